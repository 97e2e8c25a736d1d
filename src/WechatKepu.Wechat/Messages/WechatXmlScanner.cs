using System.Globalization;
using System.Text;

namespace WechatKepu.Wechat.Messages;

/// <summary>
/// The fast path of <see cref="WechatXml.Parse"/>: a scanner for the strict subset of XML that WeChat
/// actually sends (an optional declaration, elements without attributes or prefixes, text with the
/// predefined and numeric character references, CDATA sections). It allocates the tree and its strings
/// and nothing else, where an <see cref="System.Xml.XmlReader"/> costs about 12 KB of buffers a body.
/// </summary>
/// <remarks>
/// It never decides that a body is bad: on anything outside the subset (a DTD, a comment, an attribute,
/// a carriage return, a control character, a lone surrogate, an unknown entity, nesting past
/// <see cref="WechatXml.MaxDepth"/>, any malformation) it gives up and the caller hands the body to the
/// XmlReader path, whose settings and errors stay the single authority on what is refused. A test runs
/// both paths over the same inputs and requires the same tree.
/// </remarks>
internal static class WechatXmlScanner
{
    // Names WeChat sends, so that the common ones are not allocated again for every body.
    private static readonly string[] KnownNames =
    [
        "xml", "ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "MsgDataId", "Idx",
        "Event", "EventKey", "Ticket", "Encrypt", "PicUrl", "MediaId", "Format", "Recognition", "ThumbMediaId",
        "Location_X", "Location_Y", "Scale", "Label", "Title", "Description", "Url", "Latitude", "Longitude",
        "Precision", "MsgID", "Status", "TotalCount", "FilterCount", "SentCount", "ErrorCount", "List",
        "TemplateId", "SubscribeStatusString", "PopupScene", "ErrorStatus", "ScanCodeInfo", "ScanType",
        "ScanResult", "SendPicsInfo", "Count", "PicList", "item", "PicMd5Sum", "SendLocationInfo", "Poiname",
        "MenuId", "SubscribeMsgPopupEvent", "SubscribeMsgChangeEvent", "SubscribeMsgSentEvent",
    ];

    /// <summary>Parses <paramref name="xml"/> when it is inside the subset; null means "use the XmlReader".</summary>
    public static WechatXmlElement? TryParse(string xml)
    {
        var s = new Scanner(xml);
        return s.Document();
    }

    private ref struct Scanner(string text)
    {
        private readonly ReadOnlySpan<char> _s = text;
        private int _i;

        public WechatXmlElement? Document()
        {
            // WeChat sends no declaration; one (or a BOM, a comment, a DTD) goes to the reader.
            SkipWhitespace();
            if (OpenTag(out var name, out var empty) is false || name != "xml")
            {
                return null;
            }

            var root = Element(name, empty, depth: 1);
            if (root is null)
            {
                return null;
            }

            SkipWhitespace();
            return _i == _s.Length ? root : null;
        }

        private WechatXmlElement? Element(string name, bool empty, int depth)
        {
            if (depth > WechatXml.MaxDepth)
            {
                return null;
            }

            var element = new WechatXmlElement(name);
            if (empty)
            {
                element.Complete(string.Empty);
                return element;
            }

            StringBuilder? builder = null;
            string? text = null;
            while (_i < _s.Length)
            {
                if (_s[_i] != '<')
                {
                    var segment = TextSegment();
                    if (segment is null)
                    {
                        return null;
                    }

                    // Whitespace between tags is formatting (the reader's IgnoreWhitespace).
                    if (segment.AsSpan().ContainsAnyExcept(" \t\n"))
                    {
                        Append(ref text, ref builder, segment);
                    }

                    continue;
                }

                var rest = _s[_i..];
                if (rest.StartsWith("<![CDATA[", StringComparison.Ordinal))
                {
                    var end = rest.IndexOf("]]>", StringComparison.Ordinal);
                    if (end < 0)
                    {
                        return null;
                    }

                    var cdata = rest[9..end];
                    if (!ValidChars(cdata))
                    {
                        return null;
                    }

                    Append(ref text, ref builder, cdata.ToString());
                    _i += end + 3;
                    continue;
                }

                if (rest.StartsWith("</", StringComparison.Ordinal))
                {
                    _i += 2;
                    var endName = NameSpan();
                    if (!endName.SequenceEqual(name) || _i >= _s.Length || _s[_i] != '>')
                    {
                        return null;
                    }

                    _i++;
                    element.Complete(builder?.ToString() ?? text);
                    return element;
                }

                if (OpenTag(out var childName, out var childEmpty) is false)
                {
                    return null;
                }

                var child = Element(childName!, childEmpty, depth + 1);
                if (child is null)
                {
                    return null;
                }

                element.AddChild(child);
            }

            return null; // ended inside an element
        }

        private static void Append(ref string? text, ref StringBuilder? builder, string segment)
        {
            if (text is null && builder is null)
            {
                text = segment;
                return;
            }

            builder ??= new StringBuilder(text);
            builder.Append(segment);
            text = null;
        }

        /// <summary><c>&lt;name&gt;</c> or <c>&lt;name/&gt;</c>; false for anything else (attributes, comments, PIs, DTDs).</summary>
        private bool? OpenTag(out string? name, out bool empty)
        {
            name = null;
            empty = false;
            if (_i >= _s.Length || _s[_i] != '<')
            {
                return false;
            }

            _i++;
            var span = NameSpan();
            if (span.IsEmpty || _i >= _s.Length)
            {
                return false;
            }

            if (_s[_i] == '/')
            {
                empty = true;
                _i++;
            }

            if (_i >= _s.Length || _s[_i] != '>')
            {
                return false;
            }

            _i++;
            name = Intern(span);
            return true;
        }

        private ReadOnlySpan<char> NameSpan()
        {
            var start = _i;
            if (_i < _s.Length && (char.IsAsciiLetter(_s[_i]) || _s[_i] == '_'))
            {
                _i++;
                while (_i < _s.Length && (char.IsAsciiLetterOrDigit(_s[_i]) || _s[_i] is '_' or '-' or '.'))
                {
                    _i++;
                }
            }

            return _s[start.._i];
        }

        /// <summary>Text up to the next '&lt;', with character references decoded; null when outside the subset.</summary>
        private string? TextSegment()
        {
            var rest = _s[_i..];
            var end = rest.IndexOf('<');
            if (end < 0)
            {
                return null;
            }

            var raw = rest[..end];
            _i += end;
            if (!ValidChars(raw) || raw.IndexOf("]]>", StringComparison.Ordinal) >= 0)
            {
                return null;
            }

            var amp = raw.IndexOf('&');
            if (amp < 0)
            {
                return raw.ToString();
            }

            var builder = new StringBuilder(raw.Length);
            while (amp >= 0)
            {
                builder.Append(raw[..amp]);
                raw = raw[amp..];
                var semi = raw.IndexOf(';');
                if (semi < 0 || Reference(raw[1..semi]) is not { } decoded)
                {
                    return null;
                }

                builder.Append(decoded);
                raw = raw[(semi + 1)..];
                amp = raw.IndexOf('&');
            }

            return builder.Append(raw).ToString();
        }

        private static string? Reference(ReadOnlySpan<char> name)
        {
            switch (name)
            {
                case "lt": return "<";
                case "gt": return ">";
                case "amp": return "&";
                case "quot": return "\"";
                case "apos": return "'";
            }

            if (name.Length < 2 || name[0] != '#')
            {
                return null;
            }

            var hex = name[1] == 'x';
            var digits = hex ? name[2..] : name[1..];
            if (digits.IsEmpty || digits.Length > 6
                || !int.TryParse(digits, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out var code)
                || code is <= 0x20 || code is >= 0xD800 and <= 0xDFFF or 0xFFFE or 0xFFFF || code > 0x10FFFF)
            {
                return null; // whitespace, control characters and non-characters by reference: the reader decides
            }

            return char.ConvertFromUtf32(code);
        }

        /// <summary>XML characters except \r (which the reader normalises): tab, newline, the rest of the BMP, paired surrogates.</summary>
        private static bool ValidChars(ReadOnlySpan<char> span)
        {
            for (var k = 0; k < span.Length; k++)
            {
                var c = span[k];
                if (c < 0x20 && c is not ('\t' or '\n'))
                {
                    return false;
                }

                if (char.IsHighSurrogate(c))
                {
                    if (k + 1 >= span.Length || !char.IsLowSurrogate(span[k + 1]))
                    {
                        return false;
                    }

                    k++;
                }
                else if (char.IsLowSurrogate(c) || c is '\uFFFE' or '\uFFFF')
                {
                    return false;
                }
            }

            return true;
        }

        private void SkipWhitespace()
        {
            while (_i < _s.Length && _s[_i] is ' ' or '\t' or '\n')
            {
                _i++;
            }
        }

        private static string Intern(ReadOnlySpan<char> name)
        {
            foreach (var known in KnownNames)
            {
                if (name.SequenceEqual(known))
                {
                    return known;
                }
            }

            return name.ToString();
        }
    }
}
