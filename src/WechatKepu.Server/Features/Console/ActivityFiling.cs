using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniExcelLibs;
using WechatKepu.Data;
using WechatKepu.Data.Catalogue;
using WechatKepu.Data.Console;
using WechatKepu.Data.Staff;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Console;

/// <summary>
/// 活动备案: <c>GET /api/console/activities/filing.xlsx</c> — the activities in the columns of the national 科普日 site's
/// activity form (title, time, place, organisers, audience, description), one row per session that is not cancelled and
/// one per activity without sessions, so a unit copies them over. Organisers get their own unit's activities; admins
/// every activity, narrowed by the activity list's filters (<see cref="ActivitySearch"/>; a bad one is a 400).
/// </summary>
public static class ActivityFiling
{
    public const string SheetName = "活动备案";

    public static RouteGroupBuilder MapActivityFiling(this RouteGroupBuilder write)
    {
        write.MapGet("/activities/filing.xlsx", ExportAsync).WithSummary("活动备案: the activities in the national 科普日 site's form columns, as .xlsx");
        return write;
    }

    public static async Task<Results<FileContentHttpResult, ValidationProblem>> ExportAsync(
        HttpContext http, ActivitySearchStore search, ActivityStore activities, UnitStore units, TimeProvider clock, CancellationToken ct)
    {
        var actor = http.User.Actor();
        var (filter, problem) = await ActivitySearch.ReadFilterAsync(new QueryReader(http.Request.Query), actor, units, ct);
        if (problem is not null)
        {
            return problem;
        }

        // An organiser files their own unit's activities only.
        var rows = await search.ActivitiesAsync(actor.IsAdmin ? filter! : filter! with { Mine = true }, ct);
        if (!actor.IsAdmin && actor.Unit is null)
        {
            rows = [];
        }

        var sessions = await activities.SessionsForAsync(rows.Select(r => r.Activity.Id).ToList(), null, ct);
        var sheet = rows.SelectMany(r => Rows(r.Activity, sessions[r.Activity.Id].Where(s => s.Status != "cancelled").ToList())).ToList();
        if (sheet.Count == 0)
        {
            sheet.Add(Row(null, "（没有符合条件的活动）", "", "", "", null, null, null));
        }

        using var stream = new MemoryStream();
        await stream.SaveAsAsync(new Dictionary<string, object> { [SheetName] = sheet }, cancellationToken: ct);
        var today = Shanghai.Today(clock).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        return TypedResults.File(stream.ToArray(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", $"科普日活动备案-{today}.xlsx");
    }

    private static IEnumerable<Dictionary<string, object?>> Rows(ActivityRow a, IReadOnlyList<SessionRow> sessions)
    {
        if (sessions.Count == 0)
        {
            yield return Row(a, a.Title, $"{Date(a.StartsOn)} 至 {Date(a.EndsOn)}（{a.TimeText}）", Date(a.StartsOn), Date(a.EndsOn), a.Venue, null, null);
            yield break;
        }

        foreach (var s in sessions)
        {
            var starts = Shanghai.ToShanghai(Catalogue.CatalogueMapping.Utc(s.StartsAt));
            var ends = Shanghai.ToShanghai(Catalogue.CatalogueMapping.Utc(s.EndsAt));
            yield return Row(a, a.Title, $"{starts:yyyy-MM-dd HH:mm} 至 {(ends.Date == starts.Date ? ends.ToString("HH:mm", CultureInfo.InvariantCulture) : ends.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))}",
                starts.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), ends.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), s.Venue, s.Title, s.Capacity);
        }
    }

    private static string Date(DateTime d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    // The national site's form, in its order; then what helps the unit find the row again.
    private static Dictionary<string, object?> Row(ActivityRow? a, string title, string time, string starts, string ends, string? venue, string? session,
        int? capacity) => new()
    {
        ["活动名称"] = title,
        ["活动时间"] = time,
        ["开始时间"] = starts,
        ["结束时间"] = ends,
        ["活动地点"] = venue ?? a?.Venue ?? "",
        ["所在区县"] = a is null ? "" : string.Join("、", a.Districts),
        ["主办单位"] = a is null ? "" : string.Join("、", a.HostUnits),
        ["承办单位"] = a is null ? "" : string.Join("、", a.OrganiserUnits),
        ["协办单位"] = a is null ? "" : string.Join("、", a.CoOrganiserUnits),
        ["面向人群"] = a?.Audience ?? "",
        ["活动简介"] = a?.Description ?? "",
        ["活动类别"] = a?.Category ?? "",
        ["方案编号"] = a?.Code ?? "",
        ["场次"] = session ?? "",
        ["名额"] = capacity,
    };
}
