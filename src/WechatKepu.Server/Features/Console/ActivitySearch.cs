using Mapster;
using Microsoft.AspNetCore.Http.HttpResults;
using WechatKepu.Data;
using WechatKepu.Data.Catalogue;
using WechatKepu.Data.Console;
using WechatKepu.Data.Staff;
using WechatKepu.Server.Features.Catalogue;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Console;

/// <summary>
/// A page of the activities list as staff filter it, each with all its sessions; <see cref="Mine"/> names the page's
/// activities of the caller's unit (listed first), <see cref="Total"/> and <see cref="MineTotal"/> count every page;
/// <see cref="Samples"/> (admins only, who may remove them) counts the sample sessions still on, on every page.
/// </summary>
public sealed record StaffActivitiesDto(
    IReadOnlyList<ActivityDto> Items, IReadOnlyList<long> Editable, IReadOnlyList<long> Mine, IReadOnlyList<string> Districts,
    long Total, long MineTotal, int Page, int PageSize, long? Samples);

public sealed record CalendarSessionDto(
    long Id, long ActivityId, string ActivityCode, string ActivityTitle, string Title, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Venue,
    int Capacity, int ConfirmedCount, int WaitlistCount, string Status, bool IsMine);

/// <summary>The sessions starting in <see cref="Month"/> (yyyy-MM, Asia/Shanghai).</summary>
public sealed record CalendarDto(string Month, IReadOnlyList<CalendarSessionDto> Sessions);

/// <summary>
/// Finding things in the console: <c>GET /api/console/activities</c> and <c>GET /api/console/calendar</c> take the same
/// filters — <c>q</c> (text in title, code, venue, description, audience or units), <c>category</c>, <c>month</c>
/// (yyyy-MM: activities running that month), <c>district</c>, <c>unit</c> (one of the unit list) and <c>mine</c> (only the
/// caller's unit's). A bad value is a 400 naming the parameter. The caller's unit's activities come first. The list is
/// paged (<c>page</c> from 1, <c>pageSize</c> 1–100, default 20) and carries the sessions of its page's activities only;
/// the calendar reads the month's sessions by itself.
/// </summary>
public static class ActivitySearch
{
    public static IServiceCollection AddActivitySearch(this IServiceCollection services) => services.AddSingleton<ActivitySearchStore>();

    public static RouteGroupBuilder MapActivitySearch(this RouteGroupBuilder read)
    {
        read.MapGet("/activities", ActivitiesAsync).WithSummary("A page of activities with all their sessions, filtered (q, category, month, district, unit, mine; page, pageSize); the caller's unit's first");
        read.MapGet("/calendar", CalendarAsync).WithSummary("The sessions starting in a month (Asia/Shanghai) of the activities matching the same filters");
        return read;
    }

    internal static async Task<(ActivityFilter? Filter, ValidationProblem? Problem)> ReadFilterAsync(QueryReader q, StaffActor actor, UnitStore units, CancellationToken ct)
    {
        var filter = new ActivityFilter(
            Text: q.Text("q", 100),
            Category: q.OneOf("category", CatalogueApi.CategoryNames),
            Month: q.Month("month"),
            District: q.Text("district", 50),
            Unit: q.Text("unit", 60),
            MyUnit: actor.Unit,
            Mine: q.Bool("mine") ?? false);
        if (!q.IsValid)
        {
            return (null, Problems.Validation(q.Errors));
        }

        return await UnitsApi.CheckAsync(units, filter.Unit, ct) is { } problem ? (null, problem) : (filter, null);
    }

    public static async Task<Results<Ok<StaffActivitiesDto>, ValidationProblem>> ActivitiesAsync(
        HttpContext http, ActivitySearchStore search, ActivityStore activities, UnitStore units, CancellationToken ct)
    {
        var actor = http.User.Actor();
        var q = new QueryReader(http.Request.Query);
        var page = q.Int("page", 1, 1, 10_000);
        var pageSize = q.Int("pageSize", 20, 1, 100);
        var (filter, problem) = await ReadFilterAsync(q, actor, units, ct);
        if (problem is not null)
        {
            return problem;
        }

        var found = await search.ActivitiesPageAsync(filter!, page, pageSize, ct);
        var rows = found.Items;
        var sessions = await activities.SessionsForAsync(rows.Select(r => r.Activity.Id).ToList(), null, ct);
        var items = rows.Select(r => r.Activity.Adapt<ActivityDto>() with { Sessions = sessions[r.Activity.Id].Select(s => s.Adapt<SessionDto>()).ToList() }).ToList();
        var mine = rows.Where(r => r.IsMine).Select(r => r.Activity.Id).ToList();
        var editable = actor.Role switch
        {
            StaffPolicies.Roles.Admin => items.Select(a => a.Id).ToList(),
            StaffPolicies.Roles.Organiser => mine,
            _ => [],
        };
        var samples = actor.IsAdmin ? await search.SampleSessionsAsync(ct) : (long?)null;
        return TypedResults.Ok(new StaffActivitiesDto(items, editable, mine, await search.DistrictsAsync(ct), found.Total, found.MineTotal, page, pageSize, samples));
    }

    public static async Task<Results<Ok<CalendarDto>, ValidationProblem>> CalendarAsync(
        HttpContext http, ActivitySearchStore search, UnitStore units, TimeProvider clock, CancellationToken ct)
    {
        var q = new QueryReader(http.Request.Query);
        // The calendar's own month; the activity filter's month (if any) is the same parameter.
        var (filter, problem) = await ReadFilterAsync(q, http.User.Actor(), units, ct);
        if (problem is not null)
        {
            return problem;
        }

        var today = Shanghai.Today(clock);
        var month = filter!.Month ?? new DateOnly(today.Year, today.Month, 1);
        var rows = await search.CalendarAsync(filter with { Month = null }, month, ct);
        return TypedResults.Ok(new CalendarDto(month.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture),
            rows.Select(r => r.Adapt<CalendarSessionDto>()).ToList()));
    }
}
