using System.Text;
using System.Xml;

namespace WechatKepu.Wechat.Messages;

/// <summary>
/// Reads WeChat callback XML safely: no DTD (so no external entities and no entity expansion), no
/// resolver, a size cap and a depth cap. Returns a light element tree rooted at <c>&lt;xml&gt;</c>.
/// </summary>
public static class WechatXml
{
    /// <summary>Default cap on a plaintext message body, in UTF-8 bytes.</summary>
    public const int DefaultMaxBytes = 64 * 1024;

    /// <summary>The deepest nesting WeChat uses is 4 (PUBLISHJOBFINISH); anything far deeper is hostile.</summary>
    public const int MaxDepth = 8;

    private static readonly XmlReaderSettings DefaultSettings = CreateSettings(DefaultMaxBytes);

    /// <summary>
    /// Parses <paramref name="xml"/>, which must be a single <c>&lt;xml&gt;</c> element, or, when it starts with
    /// <c>{</c>, the JSON form a mini-program's message push can be set to (read into the same tree, see
    /// <see cref="WechatJsonPush"/>): the format is told by the content, whatever the Content-Type said.
    /// </summary>
    /// <param name="xml">The body.</param>
    /// <param name="maxBytes">Largest accepted body in UTF-8 bytes.</param>
    /// <exception cref="WechatMessageFormatException">Oversized, DTD/entities, malformed, or not rooted in <c>&lt;xml&gt;</c>.</exception>
    public static WechatXmlElement Parse(string xml, int maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(xml);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);

        // A UTF-8 byte count is at least the char count and at most three times it, so the exact count
        // is only needed in between.
        if (xml.Length > maxBytes || (xml.Length > maxBytes / 3 && Encoding.UTF8.GetByteCount(xml) > maxBytes))
        {
            throw new WechatMessageFormatException(WechatMessageFormatError.TooLarge,
                $"The XML body is larger than {maxBytes} bytes.");
        }

        if (WechatJsonPush.IsJson(xml))
        {
            return WechatJsonPush.Parse(xml);
        }

        // The common case, WeChat's own plain subset, without an XmlReader; anything else goes to the reader.
        return WechatXmlScanner.TryParse(xml) ?? ParseWithReader(xml, maxBytes);
    }

    /// <summary>The reader path alone (the authority on what is refused; tests compare the two paths).</summary>
    internal static WechatXmlElement ParseWithReader(string xml, int maxBytes)
    {
        var settings = maxBytes == DefaultMaxBytes ? DefaultSettings : CreateSettings(maxBytes);
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            if (reader.MoveToContent() != XmlNodeType.Element || reader.LocalName != "xml")
            {
                throw new WechatMessageFormatException(WechatMessageFormatError.Malformed,
                    "A WeChat message is a single <xml> element.");
            }

            var root = ReadElement(reader, depth: 1);

            // Let the reader see the rest: a second root or trailing garbage is an error.
            while (reader.Read())
            {
            }

            return root;
        }
        catch (XmlException ex) when (ex.Message.Contains("DTD", StringComparison.Ordinal)
                                      || xml.Contains("<!DOCTYPE", StringComparison.OrdinalIgnoreCase))
        {
            throw new WechatMessageFormatException(WechatMessageFormatError.DtdProhibited,
                "DTDs and entity declarations are not allowed in WeChat messages.", ex);
        }
        catch (XmlException ex)
        {
            throw new WechatMessageFormatException(WechatMessageFormatError.Malformed,
                $"The body is not well-formed XML: {ex.Message}", ex);
        }
    }

    /// <summary>Reads the element the reader is on, including its end tag.</summary>
    private static WechatXmlElement ReadElement(XmlReader reader, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new WechatMessageFormatException(WechatMessageFormatError.Malformed,
                $"The XML is nested deeper than {MaxDepth} levels.");
        }

        var element = new WechatXmlElement(reader.LocalName);
        if (reader.IsEmptyElement)
        {
            reader.Read();
            element.Complete(string.Empty);
            return element;
        }

        reader.Read();
        string? text = null;
        while (true)
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    element.AddChild(ReadElement(reader, depth + 1));
                    break;
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace:
                    text = text is null ? reader.Value : text + reader.Value;
                    reader.Read();
                    break;
                case XmlNodeType.EndElement:
                    reader.Read();
                    element.Complete(text);
                    return element;
                case XmlNodeType.None:
                    throw new WechatMessageFormatException(WechatMessageFormatError.Malformed,
                        "The XML body ends inside an element.");
                default:
                    reader.Read();
                    break;
            }
        }
    }

    private static XmlReaderSettings CreateSettings(int maxBytes) => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = maxBytes,
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CloseInput = true,
    };
}
