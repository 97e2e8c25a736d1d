namespace WechatKepu.Data.Catalogue;

public sealed record ActivityRow
{
    public long Id { get; init; }
    public string Code { get; init; } = "";
    public string Category { get; init; } = "";
    public int SortOrder { get; init; }
    public string Title { get; init; } = "";

    /// <summary>At most 20 characters, for notices; '' when none is set.</summary>
    public string ShortName { get; init; } = "";
    public string TimeText { get; init; } = "";
    public DateTime StartsOn { get; init; }
    public DateTime EndsOn { get; init; }
    public string Venue { get; init; } = "";
    public string[] Districts { get; init; } = [];
    public string[] HostUnits { get; init; } = [];
    public string[] OrganiserUnits { get; init; } = [];
    public string[] CoOrganiserUnits { get; init; } = [];
    public string Description { get; init; } = "";
    public string Audience { get; init; } = "";
    public bool AcceptsSignups { get; init; }
}

public sealed record SessionRow
{
    public long Id { get; init; }
    public long ActivityId { get; init; }
    public string ActivityTitle { get; init; } = "";
    public string Title { get; init; } = "";
    public DateTime StartsAt { get; init; }
    public DateTime EndsAt { get; init; }
    public string Venue { get; init; } = "";
    public int Capacity { get; init; }
    public int WaitlistCapacity { get; init; }
    public int ConfirmedCount { get; init; }
    public int WaitlistCount { get; init; }
    public DateTime SignupOpensAt { get; init; }
    public DateTime SignupClosesAt { get; init; }
    public DateTime CancelDeadline { get; init; }
    public short? MinGrade { get; init; }
    public short? MaxGrade { get; init; }
    public short? MinAge { get; init; }
    public short? MaxAge { get; init; }
    public string Status { get; init; } = "open";
    public bool IsSample { get; init; }

    public int PlacesLeft => Math.Max(0, Capacity - ConfirmedCount);
}

/// <summary>Filters of the public activity list; null means "any".</summary>
public sealed record ActivityQuery(
    string? Category = null,
    DateOnly? Month = null,
    string? District = null,
    string? Text = null,
    bool? AcceptsSignups = null,
    int Page = 1,
    int PageSize = 20);

public sealed record ActivityPage(IReadOnlyList<ActivityRow> Items, long Total);
