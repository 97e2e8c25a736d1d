namespace WechatKepu.Data.Summaries;

/// <summary>A campaign summaries are filed for (全国科普日, 八桂科普大行动), with its deadline.</summary>
public sealed record SummaryCampaignRow
{
    public long Id { get; init; }
    public string Code { get; init; } = "";
    public string Name { get; init; } = "";
    public DateTime PeriodFrom { get; init; }
    public DateTime PeriodTo { get; init; }
    public DateTime Deadline { get; init; }
    public string? UpdatedByName { get; init; }
}

/// <summary>
/// One activity of a campaign with its figures over the sessions held in the campaign's period and its
/// summary, if filed. <see cref="Units"/> are the units answerable for it: its 承办 units, else its 主办 units.
/// </summary>
public sealed record SummaryActivityRow
{
    public long Id { get; init; }
    public string Code { get; init; } = "";
    public string Title { get; init; } = "";
    public string Category { get; init; } = "";
    public string TimeText { get; init; } = "";
    public string Venue { get; init; } = "";
    public string[] Units { get; init; } = [];
    public bool InScope { get; init; }
    public int Sessions { get; init; }
    public int Places { get; init; }
    public int Signups { get; init; }
    public int Checkins { get; init; }
    public int Promotions { get; init; }
    public int RemindersDelivered { get; init; }
    public int FollowersGained { get; init; }

    /// <summary>Whether anyone signed up for a session held in the period: then participants are counted, not entered.</summary>
    public bool HadSignups { get; init; }

    /// <summary>Check-ins, or where nobody was checked in (check-in not used), confirmed sign-ups.</summary>
    public int CountedParticipants { get; init; }

    public long? SummaryId { get; init; }
    public DateTime? HeldFrom { get; init; }
    public DateTime? HeldTo { get; init; }
    public int? ParticipantsEntered { get; init; }
    public string? Body { get; init; }
    public string? FiledByName { get; init; }
    public DateTime? FiledAt { get; init; }
    public string? UpdatedByName { get; init; }
    public DateTime? UpdatedAt { get; init; }
    public long[] PhotoIds { get; init; } = [];

    /// <summary>What the summary reports: counted where there were sign-ups, else as entered (null before filing).</summary>
    public int? Participants => HadSignups ? CountedParticipants : ParticipantsEntered;
}

/// <summary>An organiser of a unit that has not filed, and whether WeChat can reach them.</summary>
public sealed record SummaryOrganiserRow(long Id, string DisplayName, string Unit, bool HasOpenId);

/// <summary>For an organiser's banner: a campaign still open in which their unit has activities without a summary.</summary>
public sealed record SummaryDueRow(long CampaignId, string Name, DateTime Deadline, int Missing);

public sealed record SummaryPhotoUpload(string ContentType, string FileName, byte[] Content);

public sealed record SummaryPhotoRow(long Id, string ContentType, string FileName, byte[] Content);

/// <summary>What a summary says, as filed.</summary>
public sealed record SummaryInput(DateOnly HeldFrom, DateOnly HeldTo, int? ParticipantsEntered, string Body);

public enum SummarySaveOutcome
{
    Created,
    Updated,
    CampaignNotFound,
    ActivityNotInCampaign,
    DeadlinePassed,
    UnknownPhoto,
    TooManyPhotos,
}
