using System.Globalization;
using System.Text;
using WechatKepu.Data;
using WechatKepu.Data.Delivery;
using WechatKepu.Server.Features.Templates;

namespace WechatKepu.Server.Features.Reminders;

/// <summary>What the product notifies about; each has its own template per channel.</summary>
public static class NoticePurposes
{
    public const string SessionReminder = "session_reminder";
    public const string SignupConfirmed = "signup_confirmed";
    public const string WaitlistPromoted = "waitlist_promoted";
    public const string SessionCancelled = "session_cancelled";
    public const string SessionChanged = "session_changed";
    public const string TopicRound = "topic_round";

    /// <summary>Purpose → the name of the WeChat template it is meant for.</summary>
    public static readonly IReadOnlyDictionary<string, string> Names = new Dictionary<string, string>
    {
        [SessionReminder] = "活动提醒",
        [SignupConfirmed] = "报名成功",
        [WaitlistPromoted] = "候补转正",
        [SessionCancelled] = "活动取消",
        [SessionChanged] = "活动变更",
        [TopicRound] = "主题提醒",
    };

    /// <summary>The channels a purpose is sent through: parents' notices both, topic rounds the official account only.</summary>
    public static IEnumerable<string> Channels(string purpose) => purpose == TopicRound
        ? [DeliveryChannels.OfficialAccountTemplate]
        : [DeliveryChannels.MiniProgramSubscribe, DeliveryChannels.OfficialAccountTemplate];
}

/// <summary>What a notice says: what, when, where, and what to do (or why).</summary>
/// <param name="Status">At most five Chinese characters (即将开始, 已取消…): the note when its field is a subscribe <c>phrase</c>.</param>
public sealed record Notice(string Activity, DateTimeOffset Time, string Place, string Note, string Status = "请留意");

/// <summary>
/// Which template keyword carries each part of a <see cref="Notice"/> ('' = the template has no field for
/// it). Since 2023-05-04 WeChat shows neither <c>first</c> nor <c>remark</c>, so they are never used.
/// </summary>
public sealed record NoticeFields(string Activity, string Time, string Place, string Note)
{
    /// <summary>The defaults fit the common templates: 活动名称 / 活动时间 / 活动地点 / 温馨提示 (or 取消原因, 变更说明).</summary>
    public static NoticeFields Default(string channel) => channel == DeliveryChannels.MiniProgramSubscribe
        ? new("thing1", "time2", "thing3", "thing4")
        : new("keyword1", "keyword2", "keyword3", "keyword4");

    public IEnumerable<(string Role, string Key)> Keys() =>
        new[] { ("activity", Activity), ("time", Time), ("place", Place), ("note", Note) }.Where(k => k.Item2.Length > 0);

    /// <summary>The template data: each value fitted to what its field kind allows and WeChat displays.</summary>
    public Dictionary<string, string> Data(Notice notice)
    {
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (role, key) in Keys())
        {
            data[key] = role switch
            {
                "time" => NoticeText.Time(notice.Time),
                "activity" => NoticeText.Fit(notice.Activity, NoticeText.Limit(key)),
                "place" => NoticeText.Fit(NoticeText.Place(notice.Place, NoticeText.Limit(key)), NoticeText.Limit(key)),
                _ when NoticeText.Kind(key) == "phrase" => notice.Status,
                _ => NoticeText.Fit(notice.Note, NoticeText.Limit(key)),
            };
        }

        return data;
    }
}

/// <summary>The staff's field choices (<c>notice_template_fields</c>) over the defaults, read once per planning run.</summary>
public sealed class NoticeLayouts(IReadOnlyList<NoticeFieldRow> rows)
{
    public NoticeFields For(string purpose, string channel) =>
        rows.FirstOrDefault(r => r.Purpose == purpose && r.Channel == channel) is { } r
            ? new NoticeFields(r.ActivityKey, r.TimeKey, r.PlaceKey, r.NoteKey)
            : NoticeFields.Default(channel);

    public static async Task<NoticeLayouts> LoadAsync(NoticeTemplateStore store, CancellationToken cancellationToken) =>
        new(await store.ListAsync(cancellationToken));
}

/// <summary>
/// Text for notices under WeChat's display rules: one line, no emoji, at most 20 characters a keyword field
/// (subscribe messages: <c>thing</c> ≤ 20, <c>phrase</c> ≤ 5, <c>character_string</c> ≤ 32 …).
/// </summary>
public static class NoticeText
{
    /// <summary>What a template keyword (and a subscribe "thing") shows whole.</summary>
    public const int FieldLength = 20;

    /// <summary>The kind of a template key (<see cref="TemplateFields.Kind"/>): <c>thing3</c> → thing, <c>keyword2</c> → keyword.</summary>
    public static string Kind(string key) => TemplateFields.Kind(key);

    /// <summary>How many characters a value laid into the key's field may have.</summary>
    public static int Limit(string key) => TemplateFields.FitLength(key);

    /// <summary>Kinds a time goes into; the others take text.</summary>
    public static bool IsTimeKind(string key) => Kind(key) is "time" or "date";

    /// <summary>2024年9月21日 09:30 (Asia/Shanghai): the format subscribe-message time and date fields accept.</summary>
    public static string Time(DateTimeOffset instant) =>
        Shanghai.ToShanghai(instant).ToString("yyyy年M月d日 HH:mm", CultureInfo.InvariantCulture);

    /// <summary>A short date and time for a note: 9月21日 09:30.</summary>
    public static string ShortTime(DateTimeOffset instant) =>
        Shanghai.ToShanghai(instant).ToString("M月d日 HH:mm", CultureInfo.InvariantCulture);

    /// <summary>The activity's short name, else its title (a staff activity may have a short title and no short name).</summary>
    public static string Activity(string shortName, string title) => shortName.Length > 0 ? shortName : title;

    /// <summary>A venue that is too long loses its bracketed detail first: 柳州科技馆（二楼报告厅） → 柳州科技馆.</summary>
    public static string Place(string venue, int max = FieldLength)
    {
        var line = OneLine(venue);
        if (line.Length <= max)
        {
            return line;
        }

        var cut = line.IndexOfAny(['（', '(', '，', ',', '、']);
        return cut > 0 ? line[..cut].TrimEnd() : line;
    }

    /// <summary>How long until the start, as a note says it: 约2小时, 约45分钟, 约3天.</summary>
    public static string Left(TimeSpan left) => left switch
    {
        { TotalDays: >= 2 } => $"约{(int)left.TotalDays}天",
        { TotalHours: >= 2 } => $"约{(int)left.TotalHours}小时",
        { TotalMinutes: >= 10 } => $"约{(int)left.TotalMinutes / 5 * 5}分钟",
        _ => "不到10分钟",
    };

    /// <summary>
    /// One line without emoji, at most <paramref name="max"/> characters. Callers compose text that fits;
    /// this only guards staff-typed text, cutting with "…" so that a cut is visible as one.
    /// </summary>
    public static string Fit(string text, int max = FieldLength)
    {
        var line = OneLine(text);
        return line.Length <= max ? line : line[..(max - 1)] + "…";
    }

    /// <summary>Line breaks become spaces, emoji and other pictographs are dropped (WeChat strips them).</summary>
    public static string OneLine(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value is '\r' or '\n' or '\t')
            {
                if (sb.Length > 0 && sb[^1] != ' ')
                {
                    sb.Append(' ');
                }
            }
            else if (!IsPictograph(rune) && !Rune.IsControl(rune))
            {
                sb.Append(rune.ToString());
            }
        }

        return sb.ToString().Trim();
    }

    private static bool IsPictograph(Rune rune) =>
        rune.Value is >= 0x1F000 and <= 0x1FAFF or >= 0x2600 and <= 0x27BF or 0xFE0F or 0x200D;
}
