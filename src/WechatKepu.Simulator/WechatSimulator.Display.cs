using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using WechatKepu.Wechat.Api;

namespace WechatKepu.Simulator;

/// <summary>One field of a message as the phone shows it.</summary>
/// <param name="Cut">WeChat shortened the value (template keywords show at most 20 characters).</param>
public sealed record DisplayedField(string Key, string Value, bool Cut);

/// <summary>
/// A template or subscribe message the simulator accepted, recorded twice: <paramref name="Sent"/> is the
/// data as the request carried it; <paramref name="Displayed"/> is what the recipient reads under WeChat's
/// rules since 2023-05-04 (template messages: no <c>first</c>, no <c>remark</c>, no colours, no emoji,
/// each keyword on one line and cut after 20 characters). <paramref name="Hidden"/> names the fields sent
/// but not shown.
/// </summary>
/// <param name="Kind"><c>template</c> (official account) or <c>subscribe</c> (mini-program or official-account subscribe message).</param>
/// <param name="Link">The url or mini-program page the message opens, if any.</param>
public sealed record DisplayedMessage(
    long Sequence, DateTimeOffset At, string Kind, string AppId, string OpenId, string TemplateId,
    IReadOnlyDictionary<string, string> Sent, IReadOnlyList<DisplayedField> Displayed, IReadOnlyList<string> Hidden, string? Link)
{
    /// <summary>Every displayed value, in order, as one text (for "is it visible" checks).</summary>
    public string Text => string.Join("\n", Displayed.Select(f => f.Value));
}

/// <summary>
/// What recipients see: the display record (kept, like call bodies, only while <see cref="SimulatorOptions.RecordBodies"/>
/// is on) and the data rules WeChat enforces on subscribe messages (always).
/// </summary>
public sealed partial class WechatSimulator
{
    /// <summary>Template keyword values longer than this are cut on the phone.</summary>
    public const int TemplateKeywordDisplayLength = 20;

    private readonly ConcurrentQueue<DisplayedMessage> _displayed = new();

    /// <summary>Every template and subscribe message accepted so far, as sent and as displayed, in arrival order.</summary>
    public IReadOnlyList<DisplayedMessage> Displayed => _displayed.OrderBy(m => m.Sequence).ToArray();

    /// <summary>The messages <paramref name="openId"/> received.</summary>
    public IReadOnlyList<DisplayedMessage> DisplayedTo(string openId) => Displayed.Where(m => m.OpenId == openId).ToArray();

    public void ClearDisplayed() => _displayed.Clear();

    private static Dictionary<string, string> DataValues(JsonElement data)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (data.ValueKind != JsonValueKind.Object)
        {
            return values;
        }

        foreach (var field in data.EnumerateObject())
        {
            var value = field.Value.ValueKind == JsonValueKind.Object && field.Value.TryGetProperty("value", out var v)
                ? v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : v.GetRawText()
                : "";
            values[field.Name] = value;
        }

        return values;
    }

    private void RecordTemplateDisplay(SimRequest r, string appId, string openId, string templateId)
    {
        if (!Options.RecordBodies)
        {
            return;
        }

        var sent = DataValues(Prop(r.Body, "data"));
        var shown = new List<DisplayedField>();
        var hidden = new List<string>();
        foreach (var (key, value) in sent)
        {
            if (key is "first" or "remark")
            {
                hidden.Add(key);
                continue;
            }

            var line = WithoutEmoji(value).Replace("\r\n", " ", StringComparison.Ordinal).Replace('\n', ' ').Replace('\r', ' ').Trim();
            var cut = line.Length > TemplateKeywordDisplayLength;
            shown.Add(new DisplayedField(key, cut ? line[..TemplateKeywordDisplayLength] + "…" : line, cut));
        }

        var link = Str(Prop(r.Body, "miniprogram"), "pagepath") ?? Str(r.Body, "url");
        _displayed.Enqueue(new DisplayedMessage(Interlocked.Increment(ref _sequence), r.Now, "template", appId, openId, templateId, sent, shown, hidden, link));
    }

    private void RecordSubscribeDisplay(SimRequest r, string appId, string openId, string templateId, Dictionary<string, string> sent)
    {
        if (!Options.RecordBodies)
        {
            return;
        }

        var shown = sent.Select(kv => new DisplayedField(kv.Key, kv.Value, false)).ToList();
        var link = Str(r.Body, "page") ?? Str(Prop(r.Body, "miniprogram"), "pagepath");
        _displayed.Enqueue(new DisplayedMessage(Interlocked.Increment(ref _sequence), r.Now, "subscribe", appId, openId, templateId, sent, shown, [], link));
    }

    /// <summary>
    /// Subscribe-message values must fit their field kind (the kind is the key without its number:
    /// <c>thing3</c> → thing). WeChat refuses the whole message with 47003 naming the field.
    /// </summary>
    private static SimResult? CheckSubscribeData(Dictionary<string, string> data)
    {
        if (data.Count == 0)
        {
            return Error(47003, "argument invalid! data is empty");
        }

        foreach (var (key, value) in data)
        {
            if (!TemplateFieldKinds.IsValid(TemplateFieldKinds.Of(key), value))
            {
                return Error(47003, $"argument invalid! data.{key}.value invalid");
            }
        }

        return null;
    }

    private static string WithoutEmoji(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            var emoji = rune.Value is >= 0x1F000 and <= 0x1FAFF or >= 0x2600 and <= 0x27BF or 0xFE0F or 0x200D;
            if (!emoji)
            {
                sb.Append(rune.ToString());
            }
        }

        return sb.ToString();
    }
}
