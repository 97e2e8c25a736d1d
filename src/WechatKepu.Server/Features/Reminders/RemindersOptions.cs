using System.ComponentModel.DataAnnotations;

namespace WechatKepu.Server.Features.Reminders;

public sealed class RemindersOptions
{
    public const string Section = "Reminders";

    /// <summary>How long before a session's start its parents are reminded; default 24 h and 2 h.</summary>
    public List<TimeSpan>? SessionOffsets { get; set; }

    /// <summary>
    /// The official account parents without a subscribe grant are reached through (when they follow it,
    /// matched by unionid); default: the first configured official account.
    /// </summary>
    public string? OfficialAccountAppId { get; set; }

    /// <summary>That account's template ids per purpose; a purpose without one has no fallback.</summary>
    public OfficialAccountTemplates OfficialAccountTemplates { get; set; } = new();

    /// <summary>The mini-program page a subscribe message opens (must be a page of miniprogram/app.json).</summary>
    [Required]
    public string MiniProgramPage { get; set; } = "pages/signups/signups";

    /// <summary>Create the 健康柳州 topic 健康知识问答 (plan item 5.3.3) when an official account is configured.</summary>
    public bool SeedHealthTopic { get; set; } = true;

    /// <summary>The account the seeded topic belongs to; default the account named 健康柳州, else the first one.</summary>
    public string? HealthTopicAppId { get; set; }

    public int[] OffsetMinutes() =>
        (SessionOffsets is { Count: > 0 } offsets ? offsets : [TimeSpan.FromHours(24), TimeSpan.FromHours(2)])
        .Select(o => (int)o.TotalMinutes).Where(m => m > 0).Distinct().ToArray();
}

public sealed class OfficialAccountTemplates
{
    public string? SessionReminder { get; set; }

    public string? WaitlistPromoted { get; set; }

    public string? SessionCancelled { get; set; }

    public string? SessionChanged { get; set; }

    /// <summary>The template id for a notice purpose (<see cref="NoticePurposes"/>), or null.</summary>
    public string? For(string purpose) => purpose switch
    {
        NoticePurposes.SessionReminder => SessionReminder,
        NoticePurposes.WaitlistPromoted => WaitlistPromoted,
        NoticePurposes.SessionCancelled => SessionCancelled,
        NoticePurposes.SessionChanged => SessionChanged,
        _ => null,
    };
}
