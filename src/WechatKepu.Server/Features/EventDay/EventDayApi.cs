using System.Globalization;
using Mapster;
using Microsoft.AspNetCore.Http.HttpResults;
using WechatKepu.Data;
using WechatKepu.Data.Console;
using WechatKepu.Data.Parents;
using WechatKepu.Server.Features.Console;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.EventDay;

/// <param name="Ended">The session is over: its confirmed children not checked in are the no-shows.</param>
public sealed record EventDaySessionDto(
    long Id, long ActivityId, string ActivityCode, string ActivityTitle, string Title, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Venue,
    int Capacity, string Status, int Expected, int CheckedIn, int Waitlisted, bool Ended, IReadOnlyList<StaffSignupDto> Signups);

/// <summary>The day (yyyy-MM-dd, Asia/Shanghai) and its sessions, earliest first.</summary>
public sealed record EventDayDto(string Date, bool IsToday, IReadOnlyList<EventDaySessionDto> Sessions);

/// <summary>A check-in picked from the list; <see cref="Confirm"/> as for a code.</summary>
public sealed record ManualCheckinRequest(bool? Confirm = null);

/// <summary>
/// 今日场次: <c>GET /api/console/event-day[?date=yyyy-MM-dd]</c> lists the sessions running that day (today in Shanghai by
/// default) with their sign-ups (cancelled ones left out) and counts, for the caller's unit (admins: all; viewers: their
/// unit's, or all without one). <c>POST /api/console/signups/{id}/checkin</c> checks a child in from the list — a child
/// without a phone — with the same rules as a code (<see cref="SessionsWriteApi.CheckInSignupAsync"/>).
/// </summary>
public static class EventDayApi
{
    public static async Task<Results<Ok<EventDayDto>, ValidationProblem>> DayAsync(
        HttpContext http, EventDayStore days, ConsoleStore console, TimeProvider clock, CancellationToken ct)
    {
        var q = new QueryReader(http.Request.Query);
        var today = Shanghai.Today(clock);
        var day = q.Date("date") ?? today;
        if (!q.IsValid)
        {
            return Problems.Validation(q.Errors);
        }

        var actor = http.User.Actor();
        var sessions = await days.SessionsAsync(day, ConsoleScope.UnitFilter(actor, writing: false), ct);
        var signups = (await console.SignupsOfSessionsAsync(sessions.Select(s => s.Id).ToList(), ct))
            .Where(s => s.Status != SignupStatus.Cancelled).ToLookup(s => s.SessionId);
        var now = clock.GetUtcNow();
        var items = sessions.Select(s => s.Adapt<EventDaySessionDto>() with
        {
            Ended = Catalogue.CatalogueMapping.Utc(s.EndsAt) <= now,
            Signups = signups[s.Id].Select(r => r.ToDto(actor)).ToList(),
        }).ToList();
        return TypedResults.Ok(new EventDayDto(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), day == today, items));
    }

    public static async Task<Results<Ok<CheckinDto>, ValidationProblem, ProblemHttpResult>> CheckInAsync(
        long id, ManualCheckinRequest? request, HttpContext http, ConsoleStore store, TimeProvider clock, CancellationToken ct)
    {
        return await SessionsWriteApi.CheckInSignupAsync(id, request?.Confirm == true, http.User.Actor(), store, clock.GetUtcNow(), ct);
    }
}
