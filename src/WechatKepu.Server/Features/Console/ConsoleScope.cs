using Microsoft.AspNetCore.Http.HttpResults;
using WechatKepu.Data.Console;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Console;

/// <summary>Which activities a staff member may act on: admins all, organisers their unit's, viewers read all.</summary>
public static class ConsoleScope
{
    /// <summary>The unit to filter by, or null for "every activity".</summary>
    public static string? UnitFilter(StaffActor actor, bool writing) => actor.Role switch
    {
        StaffPolicies.Roles.Admin => null,
        StaffPolicies.Roles.Organiser => actor.Unit ?? "",
        // A viewer with a unit sees only that unit's sign-ups; without one, every activity, read-only.
        _ => writing ? "" : actor.Unit,
    };

    /// <summary>
    /// Null when the caller may change something tied to an activity (a reminder topic, a campaign, a
    /// broadcast's audience): admins always; organisers when the activity is their unit's. Without an
    /// activity it belongs to the whole account, which only admins change.
    /// </summary>
    public static async Task<ProblemHttpResult?> CheckLinkedAsync(ConsoleStore store, StaffActor actor, long? activityId, CancellationToken ct) =>
        actor.IsAdmin ? null
        : activityId is null ? AccountWide()
        : await CheckAsync(store, actor, activityId, writing: true, ct);

    /// <summary>403 for a non-admin acting on something of the whole official account.</summary>
    public static ProblemHttpResult AccountWide() => Problems.Problem(StatusCodes.Status403Forbidden, "account_wide", "只有管理员可以管理全公众号范围的内容",
        "未关联本单位活动的提醒主题、推送和群发属于整个公众号，请联系管理员。");

    /// <summary>
    /// A recipient's openid as this staff member may see it in reports: whole for admins (who may need to
    /// trace one with WeChat), otherwise only enough to tell rows apart.
    /// </summary>
    public static string? OpenId(StaffActor actor, string? openid) =>
        actor.IsAdmin || openid is null ? openid : openid.Length > 8 ? $"{openid[..4]}…{openid[^4..]}" : "…";

    /// <summary>Null when the caller may act on the activity; otherwise the 404/403 to answer.</summary>
    public static async Task<ProblemHttpResult?> CheckAsync(ConsoleStore store, StaffActor actor, long? activityId, bool writing, CancellationToken ct)
    {
        if (activityId is not { } id)
        {
            return Problems.NotFound("没有找到该活动或场次");
        }

        return await store.ActivityInScopeAsync(id, UnitFilter(actor, writing), ct) switch
        {
            null => Problems.NotFound("没有找到该活动或场次"),
            false => Problems.Problem(StatusCodes.Status403Forbidden, "not_your_unit", "只能管理本单位承办的活动",
                $"您的单位（{actor.Unit ?? "未设置"}）不是该活动的主办、承办或协办单位。"),
            true => null,
        };
    }
}
