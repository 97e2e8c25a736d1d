using System.Text;

namespace WechatKepu.Server.Features.Replies;

/// <summary>
/// WeChat's limit on a passive text reply: a <c>Content</c> over 2,048 bytes (UTF-8, so about 680 Chinese
/// characters) is not shown at all, the follower sees nothing. Staff texts are refused over it at save
/// (<see cref="RepliesApi"/>), commands build their lists within it (<see cref="Builder"/>), and every
/// reply passes <see cref="Fit"/> on its way out as the last line of defence.
/// </summary>
public static class PassiveText
{
    public const int MaxBytes = 2048;

    private const string Cut = "\n……";

    public static int Bytes(string text) => Encoding.UTF8.GetByteCount(text);

    public static bool Fits(string text) => Bytes(text) <= MaxBytes;

    /// <summary>At most <paramref name="maxChars"/> characters, with "…" when shortened.</summary>
    public static string Clip(string text, int maxChars) =>
        text.Length <= maxChars ? text : text[..(char.IsHighSurrogate(text[maxChars - 2]) ? maxChars - 2 : maxChars - 1)] + "…";

    /// <summary>
    /// <paramref name="text"/> unchanged when it fits; else cut after the last whole line that fits (never
    /// inside a link), ending with "……".
    /// </summary>
    public static string Fit(string text)
    {
        if (Fits(text))
        {
            return text;
        }

        var budget = MaxBytes - Bytes(Cut);
        var end = 0;
        var bytes = 0;
        while (end < text.Length)
        {
            var width = char.IsSurrogatePair(text, end) ? 2 : 1;
            var size = Encoding.UTF8.GetByteCount(text.AsSpan(end, width));
            if (bytes + size > budget)
            {
                break;
            }

            bytes += size;
            end += width;
        }

        var lineEnd = text.LastIndexOf('\n', end - 1);
        if (lineEnd > 0)
        {
            end = lineEnd;
        }
        else
        {
            // One long line: don't leave half a link tag behind.
            var open = text.LastIndexOf("<a ", end - 1, StringComparison.Ordinal);
            if (open >= 0 && text.IndexOf("</a>", open, end - open, StringComparison.Ordinal) < 0)
            {
                end = open;
            }
        }

        return text[..end].TrimEnd() + Cut;
    }

    /// <summary>
    /// Builds a reply of blocks (list items) that always leaves room for its ending: a block that would push
    /// the text over the limit is left out, and so is every block after it.
    /// </summary>
    public sealed class Builder(string head)
    {
        private readonly StringBuilder _text = new(head);
        private bool _full;

        public int Added { get; private set; }

        /// <summary>Adds <paramref name="block"/> when it and <paramref name="ending"/> still fit.</summary>
        public bool TryAdd(string block, string ending)
        {
            if (_full || Bytes(_text.ToString()) + Bytes(block) + Bytes(ending) > MaxBytes)
            {
                _full = true;
                return false;
            }

            _text.Append(block);
            Added++;
            return true;
        }

        /// <summary>Whether a block was left out for lack of room.</summary>
        public bool Full => _full;

        public string Build(string ending) => Fit(_text.Append(ending).ToString());
    }
}
