namespace WechatKepu.Data.Parents;

public sealed record GuardianRow(long UserId, string Name, string Phone, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record ConsentRow(string PrivacyNoticeVersion, DateTime ConsentedAt);

public sealed record ChildRow
{
    public long Id { get; init; }
    public long UserId { get; init; }
    public string Name { get; init; } = "";
    public short? Grade { get; init; }
    public DateTime? BirthYearMonth { get; init; }
    public string School { get; init; } = "";
    public string? Gender { get; init; }
    public DateTime CreatedAt { get; init; }
}

/// <summary>What a guardian may write about a child.</summary>
public sealed record ChildInput(string Name, short? Grade, DateOnly? BirthYearMonth, string School, string? Gender);

public sealed record SignupRow
{
    public long Id { get; init; }
    public long SessionId { get; init; }
    public long? UserId { get; init; }
    public long? ChildId { get; init; }
    public string? ChildName { get; init; }
    public Guid PartyId { get; init; }
    public string Status { get; init; } = "";
    public long? WaitlistSeq { get; init; }
    public int? WaitlistPosition { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? PromotedAt { get; init; }
    public DateTime? CancelledAt { get; init; }
    public DateTime? CheckedInAt { get; init; }
    public string SessionTitle { get; init; } = "";
    public string ActivityTitle { get; init; } = "";
    public DateTime StartsAt { get; init; }
    public DateTime EndsAt { get; init; }
    public string Venue { get; init; } = "";
    public DateTime CancelDeadline { get; init; }
}

public sealed record GrantRow(string TemplateId, int Balance, bool LongTerm);

public static class SignupStatus
{
    public const string Confirmed = "confirmed";
    public const string Waitlisted = "waitlisted";
    public const string Cancelled = "cancelled";
    public const string CheckedIn = "checked_in";
}
