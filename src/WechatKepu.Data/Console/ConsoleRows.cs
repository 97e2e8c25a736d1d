namespace WechatKepu.Data.Console;

/// <summary>What staff may change on a session; the same shape creates one.</summary>
public sealed record SessionEdit(
    string Title, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Venue, int Capacity, int WaitlistCapacity,
    DateTimeOffset SignupOpensAt, DateTimeOffset SignupClosesAt, DateTimeOffset CancelDeadline,
    short? MinGrade, short? MaxGrade, short? MinAge, short? MaxAge, string Status);

public enum SessionChangeOutcome { Done, NotFound, Cancelled, CapacityBelowConfirmed, WaitlistBelowWaiting }

public sealed record SessionChange(SessionChangeOutcome Outcome, IReadOnlyList<long> Promoted, int Affected = 0);

/// <summary>One child's sign-up as staff see it: personal data minimised, the phone masked by the API.</summary>
public sealed record StaffSignupRow
{
    public long Id { get; init; }
    public long SessionId { get; init; }
    public string ActivityTitle { get; init; } = "";
    public string SessionTitle { get; init; } = "";
    public DateTime StartsAt { get; init; }
    public DateTime EndsAt { get; init; }
    public string? ChildName { get; init; }
    public short? Grade { get; init; }
    public DateTime? BirthYearMonth { get; init; }
    public string? Gender { get; init; }
    public string? School { get; init; }
    public string? GuardianName { get; init; }
    public string? GuardianPhone { get; init; }
    public Guid PartyId { get; init; }
    public string Status { get; init; } = "";
    public int? WaitlistPosition { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? PromotedAt { get; init; }
    public DateTime? CancelledAt { get; init; }
    public DateTime? CheckedInAt { get; init; }
}

public sealed record SignupEventRow(long Id, long SignupId, string? ChildName, string Kind, DateTime CreatedAt, DateTime? NotifiedAt);

public enum CheckinOutcome { CheckedIn, AlreadyCheckedIn, NotFound, NotConfirmed, SessionCancelled }

public sealed record CheckinResult(CheckinOutcome Outcome, StaffSignupRow? Signup);

public sealed record FollowerRow
{
    public long Id { get; init; }
    public string AppId { get; init; } = "";
    public string Openid { get; init; } = "";
    public bool Subscribed { get; init; }
    public DateTime? SubscribedAt { get; init; }
    public DateTime? UnsubscribedAt { get; init; }
    public string? QrScene { get; init; }
    public string? Remark { get; init; }
    public int[] TagIds { get; init; } = [];
    public DateTime? LastMessageAt { get; init; }
}

/// <summary>A page of the follower list: <c>TotalCapped</c> says there are more than <c>Total</c> (the count stopped at its cap).</summary>
public sealed record FollowerPage(IReadOnlyList<FollowerRow> Items, long Total, bool TotalCapped, IReadOnlyList<(int Id, long Followers)> Tags);

public sealed record DashboardSession(long Id, string ActivityTitle, string Title, DateTime StartsAt, string Venue, int Capacity, int ConfirmedCount, int WaitlistCount, int CheckedIn);

/// <summary>
/// The dashboard's figures. ActiveSignups: sign-ups holding a place (checked in or not) or waiting, from the sessions'
/// counters. NoticesSent: promotion and cancellation notices sent since the start of the 7-day window (SignupsWeek's).
/// </summary>
public sealed record DashboardFigures(
    IReadOnlyList<DashboardSession> Upcoming, long SignupsToday, long SignupsWeek, long ActiveSignups, long Followers,
    long NoticesPending, long NoticesSent, IReadOnlyDictionary<string, long> Broadcasts);

/// <summary>What removing the sample sessions did: deleted (nobody had signed up), cancelled (sign-ups there were cancelled and their parents notified).</summary>
public sealed record SampleRemoval(int Deleted, int Cancelled, int SignupsCancelled);
