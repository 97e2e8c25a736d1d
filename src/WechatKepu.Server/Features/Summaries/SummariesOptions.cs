using System.ComponentModel.DataAnnotations;

namespace WechatKepu.Server.Features.Summaries;

public sealed class SummariesOptions
{
    public const string Section = "Summaries";

    /// <summary>The most photos a summary keeps.</summary>
    public const int MaxPhotos = 9;

    /// <summary>The largest photo accepted, in bytes (default 2 MB; the database refuses more than 2 MB).</summary>
    [Range(1024, 2 * 1024 * 1024)]
    public int MaxPhotoBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>
    /// The official account organisers are reminded through, by the openid on their staff account; default
    /// <c>Reminders:OfficialAccountAppId</c>, else the first configured account.
    /// </summary>
    public string? OfficialAccountAppId { get; set; }

    /// <summary>That account's template for the reminder (fields keyword1–4: what, deadline, where, what to do); none: no WeChat reminder.</summary>
    public string? ReminderTemplateId { get; set; }

    /// <summary>The recurring reminder (Asia/Shanghai): each morning, organisers of units that have not filed.</summary>
    [Required]
    public string RemindCron { get; set; } = "0 9 * * *";

    /// <summary>How long before a deadline the recurring reminder starts (default 3 days; 0 turns it off).</summary>
    public TimeSpan RemindWithin { get; set; } = TimeSpan.FromDays(3);
}
