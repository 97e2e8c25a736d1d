using Mapster;
using WechatKepu.Data.Console;
using WechatKepu.Server.Features.Catalogue;
using WechatKepu.Server.Features.MiniProgram;

namespace WechatKepu.Server.Features.Console;

/// <summary>A session as staff create or change it. Times carry their offset (the console sends +08:00).</summary>
public sealed record SessionRequest(
    string? Title, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, string? Venue, int? Capacity, int? WaitlistCapacity,
    DateTimeOffset? SignupOpensAt, DateTimeOffset? SignupClosesAt, DateTimeOffset? CancelDeadline,
    short? MinGrade, short? MaxGrade, short? MinAge, short? MaxAge, string? Status);

public sealed record SessionChangeDto(SessionDto Session, IReadOnlyList<long> Promoted, int Cancelled);

public sealed record CancelSessionRequest(string? Reason);

/// <summary>
/// A child's sign-up for staff: the phone masked unless the caller's role may see full numbers. A child is registered
/// by grade or by birth month (<c>yyyy-MM</c>), so either may be null; gender is <c>male</c>, <c>female</c> or null.
/// </summary>
public sealed record StaffSignupDto(
    long Id, long SessionId, string ActivityTitle, string SessionTitle, DateTimeOffset StartsAt, string? ChildName, string? Grade,
    string? BirthYearMonth, string? Gender, string? School, string? GuardianName, string? Phone, Guid PartyId, string Status, int? WaitlistPosition,
    DateTimeOffset CreatedAt, DateTimeOffset? PromotedAt, DateTimeOffset? CancelledAt, DateTimeOffset? CheckedInAt);

public sealed record SignupEventDto(long Id, long SignupId, string? ChildName, string Kind, DateTimeOffset CreatedAt, DateTimeOffset? NotifiedAt);

/// <summary>A check-in; <see cref="Confirm"/> checks in even though the session is not today.</summary>
public sealed record CheckinRequest(string? Code, bool? Confirm = null);

/// <summary>
/// Check-in result: <c>checked_in</c> now, <c>already_checked_in</c> with the first time, or <c>not_today</c>:
/// nothing was changed because the session is on another day; send the code again with <c>confirm: true</c> to check in anyway.
/// </summary>
public sealed record CheckinDto(string Outcome, string Message, StaffSignupDto Signup);

public sealed record FollowerDto(long Id, string AppId, string Openid, bool Subscribed, DateTimeOffset? SubscribedAt, DateTimeOffset? UnsubscribedAt,
    string? QrScene, string? Remark, int[] TagIds, DateTimeOffset? LastMessageAt);

public sealed record TagCountDto(int Id, string? Name, long Followers);

/// <summary>TotalCapped: the search matched more than Total followers (it stops counting there); the console shows "10,000+".</summary>
public sealed record FollowersDto(IReadOnlyList<FollowerDto> Items, long Total, bool TotalCapped, int Page, int PageSize, IReadOnlyList<TagCountDto> Tags);

public sealed record DashboardSessionDto(long Id, string ActivityTitle, string Title, DateTimeOffset StartsAt, string Venue, int Capacity,
    int ConfirmedCount, int WaitlistCount, int CheckedIn);

public sealed record DashboardDto(
    IReadOnlyList<DashboardSessionDto> Upcoming, long SignupsToday, long SignupsWeek, long ActiveSignups, long Followers,
    long NoticesPending, long NoticesSent, IReadOnlyDictionary<string, long> Broadcasts);

public static class ConsoleMapping
{
    public static void Register(TypeAdapterConfig config)
    {
        config.NewConfig<StaffSignupRow, StaffSignupDto>()
            .Map(d => d.Grade, s => MpMapping.GradeName(s.Grade))
            .Map(d => d.BirthYearMonth, s => MpMapping.YearMonth(s.BirthYearMonth))
            .Map(d => d.Phone, s => s.GuardianPhone == null ? null : MpMapping.MaskPhone(s.GuardianPhone));
        config.NewConfig<SignupEventRow, SignupEventDto>();
        config.NewConfig<FollowerRow, FollowerDto>();
        config.NewConfig<DashboardSession, DashboardSessionDto>();
        config.NewConfig<DashboardFigures, DashboardDto>();
    }

    /// <summary>Only admins see whole phone numbers; everyone else the masked form.</summary>
    public static StaffSignupDto ToDto(this StaffSignupRow row, StaffActor actor) =>
        actor.IsAdmin ? row.Adapt<StaffSignupDto>() with { Phone = row.GuardianPhone } : row.Adapt<StaffSignupDto>();
}
