using Mapster;
using WechatKepu.Data.Catalogue;

namespace WechatKepu.Server.Features.Catalogue;

public sealed record ActivityDto(
    long Id, string Code, string Category, string Title, string TimeText, DateOnly StartsOn, DateOnly EndsOn,
    string Venue, string[] Districts, string[] HostUnits, string[] OrganiserUnits, string[] CoOrganiserUnits,
    string Description, string Audience, bool AcceptsSignups)
{
    /// <summary>At most 20 characters: the name notices show (WeChat cuts longer keyword values).</summary>
    public string ShortName { get; init; } = "";

    public IReadOnlyList<SessionDto> Sessions { get; init; } = [];
}

/// <summary>A session as parents see it. <see cref="MyStatus"/> is filled only for a signed-in parent.</summary>
public sealed record SessionDto(
    long Id, long ActivityId, string ActivityTitle, string Title, DateTimeOffset StartsAt, DateTimeOffset EndsAt,
    string Venue, int Capacity, int PlacesLeft, int WaitlistCapacity, int WaitlistLength,
    DateTimeOffset SignupOpensAt, DateTimeOffset SignupClosesAt, DateTimeOffset CancelDeadline,
    int? MinGrade, int? MaxGrade, int? MinAge, int? MaxAge, string? GradeRange, string Status, bool IsSample)
{
    public IReadOnlyList<MySessionStatus>? MyStatus { get; init; }
}

public sealed record MySessionStatus(long ChildId, long SignupId, string Status, int? WaitlistPosition);

public sealed record PageDto<T>(IReadOnlyList<T> Items, long Total, int Page, int PageSize);

public static class CatalogueMapping
{
    public static readonly string[] GradeNames =
        ["幼儿园", "一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "七年级", "八年级", "九年级", "高一", "高二", "高三"];

    public static string? GradeRange(int? min, int? max) => (min, max) switch
    {
        (null, null) => null,
        ({ } a, null) => $"{GradeNames[a]}及以上",
        (null, { } b) => $"{GradeNames[b]}及以下",
        ({ } a, { } b) when a == b => GradeNames[a],
        ({ } a, { } b) => $"{GradeNames[a]}至{GradeNames[b]}",
    };

    public static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));

    /// <summary>Row → DTO maps, registered once at start.</summary>
    public static void Register(TypeAdapterConfig config)
    {
        config.NewConfig<DateTime, DateTimeOffset>().MapWith(t => Utc(t));
        config.NewConfig<DateTime, DateOnly>().MapWith(t => DateOnly.FromDateTime(t));
        config.NewConfig<ActivityRow, ActivityDto>().Ignore(d => d.Sessions);
        config.NewConfig<SessionRow, SessionDto>()
            .Map(d => d.WaitlistLength, s => s.WaitlistCount)
            .Map(d => d.GradeRange, s => GradeRange(s.MinGrade, s.MaxGrade))
            .Ignore(d => d.MyStatus!);
    }
}
