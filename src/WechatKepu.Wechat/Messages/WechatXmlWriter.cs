using System.Globalization;
using System.Text;
using System.Xml;

namespace WechatKepu.Wechat.Messages;

/// <summary>Writes the flat element-per-field XML WeChat expects, with CDATA for text.</summary>
internal static class WechatXmlWriter
{
    /// <summary>Appends <c>&lt;name&gt;&lt;![CDATA[value]]&gt;&lt;/name&gt;</c>, safe for any value.</summary>
    public static StringBuilder AppendCdata(this StringBuilder builder, string name, string? value)
    {
        builder.Append('<').Append(name).Append("><![CDATA[");
        var text = (value ?? string.Empty).AsSpan();

        // "]]>" would end the section early: close it after "]]" and reopen before ">".
        int end;
        while ((end = text.IndexOf("]]>", StringComparison.Ordinal)) >= 0)
        {
            AppendXmlChars(builder, text[..(end + 2)]);
            builder.Append("]]><![CDATA[");
            text = text[(end + 2)..];
        }

        AppendXmlChars(builder, text);
        return builder.Append("]]></").Append(name).Append('>');
    }

    /// <summary>Appends <c>&lt;name&gt;number&lt;/name&gt;</c>.</summary>
    public static StringBuilder AppendNumber(this StringBuilder builder, string name, long value) =>
        builder.Append('<').Append(name).Append('>')
            .Append(value.ToString(CultureInfo.InvariantCulture))
            .Append("</").Append(name).Append('>');

    /// <summary>Appends <c>&lt;name&gt;</c> text that is already digits-only, like a signed timestamp string.</summary>
    public static StringBuilder AppendRaw(this StringBuilder builder, string name, string escapedValue) =>
        builder.Append('<').Append(name).Append('>').Append(escapedValue).Append("</").Append(name).Append('>');

    /// <summary>Appends text, replacing characters XML 1.0 cannot carry (even in CDATA) with U+FFFD.</summary>
    private static void AppendXmlChars(StringBuilder builder, ReadOnlySpan<char> text)
    {
        // Valid text is copied in runs; only the rare invalid character costs a separate append.
        var runStart = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (XmlConvert.IsXmlChar(c))
            {
                continue;
            }

            if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], c))
            {
                i++;
                continue;
            }

            builder.Append(text[runStart..i]).Append('\uFFFD');
            runStart = i + 1;
        }

        builder.Append(text[runStart..]);
    }
}
