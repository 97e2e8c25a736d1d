using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using WechatKepu.Data;
using WechatKepu.Data.Reports;
using WechatKepu.Server.Features.Console;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Server.Infrastructure;
using WechatKepu.Wechat;

namespace WechatKepu.Server.Features.Reports;

public sealed record DayCountDto(string Day, int Count);

public sealed record FollowerDayDto(string Day, int Gained, int Lost);

/// <param name="FillRate">Confirmed places over capacity, in percent (null without capacity).</param>
/// <param name="AttendanceRate">Checked-in children over those expected at the sessions already over, in percent (null before any).</param>
public sealed record ActivityChartDto(long ActivityId, string Code, string Title, int Sessions, int Capacity, int Confirmed, double? FillRate,
    int Expected, int CheckedIn, double? AttendanceRate);

public sealed record ReasonCountDto(string Reason, int Count);

/// <summary>
/// What became of the reminders and notices of the period's campaigns: <see cref="Delivered"/> (WeChat's receipt says
/// so), <see cref="Sent"/> (accepted, no receipt yet), <see cref="Failed"/> (by reason), <see cref="NoChannel"/> (the
/// parent granted no subscription and follows no account), <see cref="Pending"/> and <see cref="Cancelled"/>.
/// </summary>
public sealed record RemindersChartDto(int Total, int Delivered, int Sent, int Failed, int NoChannel, int Pending, int Cancelled, IReadOnlyList<ReasonCountDto> FailedReasons);

public sealed record PosterCodeChartDto(long CodeId, string Kind, string ActivityTitle, string? SessionTitle, int Scans, int NewFollowers);

/// <summary>The period's days are <see cref="From"/> to <see cref="To"/> (yyyy-MM-dd, Asia/Shanghai, both included).</summary>
public sealed record ChartsDto(string From, string To, IReadOnlyList<DayCountDto> SignupsPerDay, IReadOnlyList<ActivityChartDto> Activities,
    RemindersChartDto Reminders, IReadOnlyList<FollowerDayDto> FollowersPerDay, IReadOnlyList<PosterCodeChartDto> PosterCodes);

/// <summary>
/// <c>GET /api/console/reports/charts[?from=yyyy-MM-dd&amp;to=yyyy-MM-dd]</c>: the figures of the console's charts — sign-ups
/// per day, fill rate and attendance per activity, reminders by outcome and failure reason, followers gained and lost
/// per day, scans and new followers per poster QR code. The period defaults to the 30 days up to today (Shanghai) and
/// is at most 366 days. Organisers (and viewers with a unit) see their unit's activities; followers are the account's.
/// </summary>
public static class ChartsApi
{
    public const int MaxDays = 366;

    public static async Task<Results<Ok<ChartsDto>, ValidationProblem>> ChartsAsync(HttpContext http, ChartStore store, TimeProvider clock, CancellationToken ct)
    {
        var q = new QueryReader(http.Request.Query);
        var to = q.Date("to") ?? Shanghai.Today(clock);
        var from = q.Date("from") ?? to.AddDays(-29);
        if (q.IsValid && to < from)
        {
            q.Fail("to", "to 不能早于 from");
        }
        else if (q.IsValid && to.DayNumber - from.DayNumber + 1 > MaxDays)
        {
            q.Fail("to", $"一次最多统计 {MaxDays} 天");
        }

        if (!q.IsValid)
        {
            return Problems.Validation(q.Errors);
        }

        var unit = ConsoleScope.UnitFilter(http.User.Actor(), writing: false);
        var data = await store.ChartsAsync(Shanghai.At(from, TimeOnly.MinValue), Shanghai.At(to.AddDays(1), TimeOnly.MinValue), unit, clock.GetUtcNow(), ct);
        var signups = data.SignupsPerDay.ToDictionary(r => r.Day, r => r.Count);
        var followers = data.FollowersPerDay.ToDictionary(r => r.Day);
        var days = Enumerable.Range(0, to.DayNumber - from.DayNumber + 1).Select(from.AddDays).ToList();
        return TypedResults.Ok(new ChartsDto(Day(from), Day(to),
            days.Select(d => new DayCountDto(Day(d), signups.GetValueOrDefault(d))).ToList(),
            data.Activities.Select(a => new ActivityChartDto(a.ActivityId, a.Code, a.Title, a.Sessions, a.Capacity, a.Confirmed, Percent(a.Confirmed, a.Capacity),
                a.Expected, a.CheckedIn, Percent(a.CheckedIn, a.Expected))).ToList(),
            Reminders(data.Deliveries),
            days.Select(d => followers.TryGetValue(d, out var f) ? new FollowerDayDto(Day(d), f.Gained, f.Lost) : new FollowerDayDto(Day(d), 0, 0)).ToList(),
            data.PosterCodes.Select(p => new PosterCodeChartDto(p.CodeId, p.Kind, p.ActivityTitle, p.SessionTitle, p.Scans, p.NewFollowers)).ToList()));
    }

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static double? Percent(int part, int whole) => whole <= 0 ? null : Math.Round(100.0 * part / whole, 1);

    private static RemindersChartDto Reminders(IReadOnlyList<DeliveryOutcomeRow> rows)
    {
        int Sum(Func<DeliveryOutcomeRow, bool> which) => rows.Where(which).Sum(r => r.Count);
        var failed = rows.Where(r => r.Status == "failed").ToList();
        var reasons = failed
            .GroupBy(r => r.Errcode is { } code ? $"{code} {WechatErrors.Describe(code).Reason}" : r.Errmsg ?? r.ReceiptStatus ?? "原因未知")
            .Select(g => new ReasonCountDto(g.Key, g.Sum(r => r.Count)))
            .OrderByDescending(r => r.Count).ThenBy(r => r.Reason, StringComparer.Ordinal).ToList();
        return new RemindersChartDto(
            Total: Sum(_ => true),
            Delivered: Sum(r => r.Status == "sent" && r.ReceiptStatus == "success"),
            Sent: Sum(r => r.Status == "sent" && r.ReceiptStatus != "success"),
            Failed: Sum(r => r.Status == "failed"),
            NoChannel: Sum(r => r.Status == "no_channel"),
            Pending: Sum(r => r.Status is "pending" or "sending" or "unknown"),
            Cancelled: Sum(r => r.Status == "cancelled"),
            FailedReasons: reasons);
    }
}
