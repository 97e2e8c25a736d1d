using Mapster;
using Microsoft.AspNetCore.Http.HttpResults;
using WechatKepu.Data.Catalogue;
using WechatKepu.Data.Console;
using WechatKepu.Server.Features.Catalogue;
using WechatKepu.Server.Features.Reminders;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Console;

public sealed record ActivityRequest(
    string? Category, string? Title, string? TimeText, DateOnly? StartsOn, DateOnly? EndsOn, string? Venue, string[]? Districts,
    string[]? HostUnits, string[]? OrganiserUnits, string[]? CoOrganiserUnits, string? Description, string? Audience, bool? AcceptsSignups,
    string? ShortName = null);

/// <summary>
/// Creating and editing activities. An organiser may only create or keep an activity whose host,
/// organiser or co-organiser units include their own unit, so they cannot hand it to another unit.
/// </summary>
public static class ActivitiesWriteApi
{
    internal static (ActivityEdit? Edit, Errors Errors) Validate(ActivityRequest? r, bool creating = true)
    {
        var errors = new Errors();
        var category = r?.Category?.Trim();
        if (category is null || !ActivityStore.Categories.Contains(category))
        {
            errors.Add("category", $"类别须为以下之一：{string.Join("、", ActivityStore.Categories)}");
        }

        var title = errors.Text("title", r?.Title, "活动名称", 200);
        var shortName = ShortNameOf(errors, r?.ShortName, title, creating);
        var timeText = errors.Text("timeText", r?.TimeText, "活动时间（如 9月-11月）", 50);
        var venue = errors.Text("venue", r?.Venue, "地点", 200);
        var description = errors.Text("description", r?.Description, "简介", 2000, required: false) ?? "";
        var audience = errors.Text("audience", r?.Audience, "面向人群", 100, required: false) ?? "";
        if (r?.StartsOn is not { } starts)
        {
            errors.Add("startsOn", "请填写开始日期");
            starts = default;
        }

        if (r?.EndsOn is not { } ends)
        {
            errors.Add("endsOn", "请填写结束日期");
        }
        else if (ends < starts)
        {
            errors.Add("endsOn", "结束日期不能早于开始日期");
        }

        var hosts = Units(errors, "hostUnits", r?.HostUnits, required: true);
        var organisers = Units(errors, "organiserUnits", r?.OrganiserUnits, required: false);
        var coOrganisers = Units(errors, "coOrganiserUnits", r?.CoOrganiserUnits, required: false);
        var districts = Units(errors, "districts", r?.Districts, required: false);
        if (errors.Any)
        {
            return (null, errors);
        }

        return (new ActivityEdit(category!, title!, timeText!, starts, r!.EndsOn!.Value, venue!, districts, hosts, organisers, coOrganisers,
            description, audience, r.AcceptsSignups ?? false, shortName), errors);
    }

    /// <summary>
    /// The name notices show: WeChat displays at most 20 characters of a field, so a longer title needs one
    /// chosen by staff. Null on an edit keeps the stored one; an empty one is refused for a long title.
    /// </summary>
    private static string? ShortNameOf(Errors errors, string? value, string? title, bool creating)
    {
        var shortName = value?.Trim();
        if (shortName is { Length: > NoticeText.FieldLength } || (shortName is not null && shortName.Any(char.IsControl)))
        {
            errors.Add("shortName", $"简称最多 {NoticeText.FieldLength} 个字（微信通知每项只显示 {NoticeText.FieldLength} 个字）");
        }
        else if ((creating || shortName is not null) && string.IsNullOrEmpty(shortName) && title is { Length: > NoticeText.FieldLength })
        {
            errors.Add("shortName", $"活动名称超过 {NoticeText.FieldLength} 个字，请填写简称，微信通知中显示简称");
        }

        return shortName;
    }

    private static string[] Units(Errors errors, string field, string[]? values, bool required)
    {
        var list = (values ?? []).Select(v => v?.Trim() ?? "").Where(v => v.Length > 0).Distinct().ToArray();
        if (required && list.Length == 0)
        {
            errors.Add(field, "至少填写一个单位");
        }
        else if (list.Length > 30 || list.Any(v => v.Length > 60 || v.Any(char.IsControl)))
        {
            errors.Add(field, "最多 30 项，每项不超过 60 个字");
        }

        return list;
    }

    private static ProblemHttpResult NotYourUnit(StaffActor actor) =>
        Problems.Problem(StatusCodes.Status403Forbidden, "not_your_unit", "只能管理本单位承办的活动",
            $"您的单位（{actor.Unit ?? "未设置"}）须是该活动的主办、承办或协办单位之一。");

    public static async Task<Results<Created<ActivityDto>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        ActivityRequest? request, HttpContext http, ActivityEditStore store, ActivityStore activities, TimeProvider clock, CancellationToken ct)
    {
        var actor = http.User.Actor();
        var (edit, errors) = Validate(request);
        if (edit is null)
        {
            return Problems.Validation(errors.All);
        }

        if (!actor.IsAdmin && (actor.Unit is not { } unit || !edit.Names(unit)))
        {
            return NotYourUnit(actor);
        }

        var id = await store.CreateAsync(edit, actor, clock.GetUtcNow(), ct);
        return TypedResults.Created($"/api/activities/{id}", (await activities.GetAsync(id, ct))!.Adapt<ActivityDto>());
    }

    public static async Task<Results<Ok<ActivityDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        long id, ActivityRequest? request, HttpContext http, ActivityEditStore store, ConsoleStore scope, ActivityStore activities,
        TimeProvider clock, CancellationToken ct)
    {
        var actor = http.User.Actor();
        if (await ConsoleScope.CheckAsync(scope, actor, id, writing: true, ct) is { } problem)
        {
            return problem;
        }

        var (edit, errors) = Validate(request, creating: false);
        if (edit is null)
        {
            return Problems.Validation(errors.All);
        }

        if (!actor.IsAdmin && (actor.Unit is not { } unit || !edit.Names(unit)))
        {
            return NotYourUnit(actor);
        }

        return await store.UpdateAsync(id, edit, actor, clock.GetUtcNow(), ct)
            ? TypedResults.Ok((await activities.GetAsync(id, ct))!.Adapt<ActivityDto>())
            : Problems.NotFound("没有找到该活动");
    }
}
