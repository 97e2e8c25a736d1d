using System.Globalization;
using Hangfire;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WechatKepu.Data;
using WechatKepu.Data.Console;
using WechatKepu.Data.Staff;
using WechatKepu.Data.Summaries;
using WechatKepu.Server.Features.Console;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Summaries;

/// <summary>
/// Activity summaries under <c>/api/console/summaries</c> (the plan's section 七): campaigns and their deadlines,
/// each activity's summary with up to nine photos (filed and edited by organisers of its units until the
/// deadline), which units have not filed and reminding their organisers, the campaign workbook and figures.
/// </summary>
public static class SummariesApi
{
    private const string Prefix = "/api/console/summaries";

    /// <summary>A whole filing: nine photos at the limit and the text around them.</summary>
    private static long MaxRequestBytes(SummariesOptions options) => (long)SummariesOptions.MaxPhotos * options.MaxPhotoBytes + 1024 * 1024;

    public static IEndpointRouteBuilder MapSummariesApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup(Prefix).WithTags("Summaries").RequireAuthorization(StaffPolicies.Viewer);
        read.MapGet("/campaigns", CampaignsAsync);
        read.MapGet("/campaigns/{id:long}/activities", ActivitiesAsync);
        read.MapGet("/campaigns/{id:long}/activities/{activityId:long}", ActivityAsync);
        read.MapGet("/photos/{photoId:long}", PhotoAsync);
        read.MapGet("/due", DueAsync);

        var file = app.MapGroup(Prefix).WithTags("Summaries").RequireAuthorization(StaffPolicies.Organiser).RequireAntiforgeryToken();
        file.MapPut("/campaigns/{id:long}/activities/{activityId:long}", FileAsync);

        var admin = app.MapGroup(Prefix).WithTags("Summaries").RequireAuthorization(StaffPolicies.Admin);
        admin.MapGet("/campaigns/{id:long}/units", UnitsAsync);
        admin.MapGet("/campaigns/{id:long}/export.xlsx", ExportAsync);
        var adminWrite = app.MapGroup(Prefix).WithTags("Summaries").RequireAuthorization(StaffPolicies.Admin).RequireAntiforgeryToken();
        adminWrite.MapPut("/campaigns/{id:long}", UpdateCampaignAsync);
        adminWrite.MapPost("/campaigns/{id:long}/remind", RemindAsync);
        return app;
    }

    public static async Task<Ok<List<SummaryCampaignDto>>> CampaignsAsync(SummaryStore store, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return TypedResults.Ok((await store.ListCampaignsAsync(ct)).Select(c => SummaryMapping.Dto(c, now)).ToList());
    }

    public static async Task<Results<Ok<SummaryCampaignDto>, ValidationProblem, ProblemHttpResult>> UpdateCampaignAsync(
        long id, SummaryCampaignRequest? request, HttpContext http, SummaryStore store, TimeProvider clock, CancellationToken ct)
    {
        if (await store.GetCampaignAsync(id, ct) is not { } campaign)
        {
            return CampaignNotFound();
        }

        var from = request?.PeriodFrom ?? DateOnly.FromDateTime(campaign.PeriodFrom);
        var to = request?.PeriodTo ?? DateOnly.FromDateTime(campaign.PeriodTo);
        var errors = new Dictionary<string, string[]>();
        if (request?.Deadline is not { } deadline)
        {
            errors["deadline"] = ["请填写截止时间。"];
        }
        else if (deadline.Year is < 2000 or > 2100)
        {
            errors["deadline"] = ["截止时间不在合理范围内。"];
        }

        if (to < from)
        {
            errors["periodTo"] = ["活动周期的结束日期不能早于开始日期。"];
        }
        else if (to.DayNumber - from.DayNumber > 366)
        {
            errors["periodTo"] = ["活动周期不能超过一年。"];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var actor = http.User.Actor();
        var now = clock.GetUtcNow();
        var row = await store.UpdateCampaignAsync(id, from, to, request!.Deadline!.Value, actor.Id, actor.Name, now, ct);
        return row is null ? CampaignNotFound() : TypedResults.Ok(SummaryMapping.Dto(row, now));
    }

    /// <summary>The campaign's activities: organisers and viewers with a unit see their unit's, admins and other viewers all.</summary>
    public static async Task<Results<Ok<List<SummaryActivityDto>>, ProblemHttpResult>> ActivitiesAsync(
        long id, HttpContext http, SummaryStore store, CancellationToken ct)
    {
        if (await store.GetCampaignAsync(id, ct) is null)
        {
            return CampaignNotFound();
        }

        var unit = ConsoleScope.UnitFilter(http.User.Actor(), writing: false);
        var rows = await store.ActivitiesAsync(id, unit, onlyInScope: true, activityId: null, ct);
        return TypedResults.Ok(rows.Select(SummaryMapping.Dto).ToList());
    }

    public static async Task<Results<Ok<SummaryActivityDto>, ProblemHttpResult>> ActivityAsync(
        long id, long activityId, HttpContext http, SummaryStore store, ConsoleStore console, CancellationToken ct)
    {
        if (await store.GetCampaignAsync(id, ct) is null)
        {
            return CampaignNotFound();
        }

        if (await ConsoleScope.CheckAsync(console, http.User.Actor(), activityId, writing: false, ct) is { } outOfScope)
        {
            return outOfScope;
        }

        var rows = await store.ActivitiesAsync(id, null, onlyInScope: false, activityId, ct);
        return rows.Count == 0 ? NotInCampaign() : TypedResults.Ok(SummaryMapping.Dto(rows[0]) with { Mine = true });
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> PhotoAsync(long photoId, SummaryStore store, CancellationToken ct) =>
        await store.PhotoAsync(photoId, ct) is { } photo
            ? TypedResults.File(photo.Content, photo.ContentType, $"summary-photo-{photo.Id}{(photo.ContentType == "image/png" ? ".png" : ".jpg")}")
            : Problems.NotFound("没有找到该照片");

    /// <summary>For the console's banner: the open campaigns in which the caller's unit has activities without a summary.</summary>
    public static async Task<Ok<List<SummaryDueDto>>> DueAsync(HttpContext http, SummaryStore store, TimeProvider clock, CancellationToken ct)
    {
        var actor = http.User.Actor();
        if (actor.IsAdmin || actor.Unit is null)
        {
            return TypedResults.Ok(new List<SummaryDueDto>());
        }

        var due = await store.DueAsync(actor.Unit, clock.GetUtcNow(), ct);
        return TypedResults.Ok(due.Select(d => new SummaryDueDto(d.CampaignId, d.Name, SummaryMapping.Utc(d.Deadline), SummaryMapping.Text(d.Deadline), d.Missing)).ToList());
    }

    /// <summary>
    /// Files or replaces an activity's summary: <c>multipart/form-data</c> with <c>heldFrom</c>, <c>heldTo</c>
    /// (yyyy-MM-dd), <c>participants</c> (only where nobody signed up: otherwise counted), <c>text</c>,
    /// <c>keepPhotoIds</c> (the summary's photos to keep, in order) and <c>photos</c> (new JPEG/PNG files).
    /// All or nothing: one bad photo and nothing is written.
    /// </summary>
    public static async Task<Results<Ok<SummaryActivityDto>, Created<SummaryActivityDto>, ValidationProblem, ProblemHttpResult>> FileAsync(
        long id, long activityId, HttpContext http, SummaryStore store, ConsoleStore console, IOptions<SummariesOptions> options,
        TimeProvider clock, CancellationToken ct)
    {
        var limits = options.Value;
        var actor = http.User.Actor();
        var now = clock.GetUtcNow();
        if (await store.GetCampaignAsync(id, ct) is not { } campaign)
        {
            return CampaignNotFound();
        }

        if (await ConsoleScope.CheckAsync(console, actor, activityId, writing: true, ct) is { } outOfScope)
        {
            return outOfScope;
        }

        var current = await store.ActivitiesAsync(id, null, onlyInScope: false, activityId, ct);
        if (current.Count == 0)
        {
            return NotInCampaign();
        }

        if (!actor.IsAdmin && now >= SummaryMapping.Utc(campaign.Deadline))
        {
            return DeadlinePassed(campaign);
        }

        if (!http.Request.HasFormContentType || !http.Request.ContentType!.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Problem(StatusCodes.Status415UnsupportedMediaType, "multipart_required", "请求内容格式不支持",
                "活动总结须以 multipart/form-data 提交（文字与照片一起）。");
        }

        var maxBytes = MaxRequestBytes(limits);
        if (http.Request.ContentLength > maxBytes)
        {
            return TooLarge($"一次提交不能超过 {maxBytes / 1024 / 1024} MB。");
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = maxBytes;
        }

        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(ct);
        }
        catch (InvalidDataException)
        {
            return Problems.Problem(StatusCodes.Status400BadRequest, "bad_form", "请求格式有误", "表单内容无法读取，请重新提交。");
        }

        var (input, keep, errors) = ReadFields(form, campaign, current[0].HadSignups);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var uploads = new List<SummaryPhotoUpload>();
        foreach (var photo in form.Files.Where(f => f.Name == "photos"))
        {
            var name = Path.GetFileName(photo.FileName ?? "");
            name = name.Length > 200 ? name[..200] : name;
            if (photo.Length > limits.MaxPhotoBytes)
            {
                return Problems.Problem(StatusCodes.Status413PayloadTooLarge, "photo_too_large", "照片过大",
                    $"照片“{name}”超过 {limits.MaxPhotoBytes / 1024 / 1024} MB，请压缩后再上传。");
            }

            using var buffer = new MemoryStream((int)photo.Length);
            await photo.CopyToAsync(buffer, ct);
            var bytes = buffer.ToArray();
            if (bytes.Length == 0 || SummaryPhotos.ContentType(bytes) is not { } type)
            {
                return Problems.Problem(StatusCodes.Status400BadRequest, "photo_type", "照片格式不支持",
                    $"“{name}”不是 JPEG 或 PNG 图片，请上传 JPG 或 PNG 格式的照片。");
            }

            uploads.Add(new SummaryPhotoUpload(type, name, bytes));
        }

        if (form.Files.Any(f => f.Name != "photos"))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["photos"] = ["照片请以 photos 字段上传。"] });
        }

        var (outcome, summaryId) = await store.SaveAsync(id, activityId, input!, keep, uploads, SummariesOptions.MaxPhotos,
            enforceDeadline: !actor.IsAdmin, actor.Id, actor.Name, now, ct);
        switch (outcome)
        {
            case SummarySaveOutcome.CampaignNotFound:
                return CampaignNotFound();
            case SummarySaveOutcome.ActivityNotInCampaign:
                return NotInCampaign();
            case SummarySaveOutcome.DeadlinePassed:
                return DeadlinePassed(campaign);
            case SummarySaveOutcome.UnknownPhoto:
                return Problems.Problem(StatusCodes.Status400BadRequest, "unknown_photo", "照片不存在",
                    "要保留的照片不属于这份总结，请刷新页面后重试。");
            case SummarySaveOutcome.TooManyPhotos:
                return Problems.Problem(StatusCodes.Status400BadRequest, "too_many_photos", "照片过多",
                    $"每份总结最多 {SummariesOptions.MaxPhotos} 张照片，请删去几张后再提交。");
        }

        var saved = SummaryMapping.Dto((await store.ActivitiesAsync(id, null, onlyInScope: false, activityId, ct))[0]) with { Mine = true };
        return outcome == SummarySaveOutcome.Created
            ? TypedResults.Created($"{Prefix}/campaigns/{id}/activities/{activityId}", saved)
            : TypedResults.Ok(saved);
    }

    private static (SummaryInput? Input, List<long> Keep, Dictionary<string, string[]> Errors) ReadFields(
        IFormCollection form, SummaryCampaignRow campaign, bool counted)
    {
        var errors = new Dictionary<string, string[]>();
        var periodFrom = DateOnly.FromDateTime(campaign.PeriodFrom);
        var periodTo = DateOnly.FromDateTime(campaign.PeriodTo);
        var period = $"{periodFrom:yyyy年M月d日}至{periodTo:yyyy年M月d日}";

        DateOnly? Date(string field, string label)
        {
            var raw = form[field].ToString().Trim();
            if (raw.Length == 0)
            {
                errors[field] = [$"请填写{label}。"];
                return null;
            }

            if (!DateOnly.TryParseExact(raw, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                errors[field] = [$"{label}须为日期，格式如 2024-09-19。"];
                return null;
            }

            if (date < periodFrom || date > periodTo)
            {
                errors[field] = [$"{label}须在{campaign.Name}的周期内（{period}）。"];
                return null;
            }

            return date;
        }

        var from = Date("heldFrom", "举办开始日期");
        var to = Date("heldTo", "举办结束日期");
        if (from is { } f && to is { } t && t < f)
        {
            errors["heldTo"] = ["举办结束日期不能早于开始日期。"];
        }

        var rawParticipants = form["participants"].ToString().Trim();
        int? participants = null;
        if (counted)
        {
            if (rawParticipants.Length > 0)
            {
                errors["participants"] = ["该活动有报名记录，参与人数按签到（未签到时按报名）自动统计，无需填写。"];
            }
        }
        else if (rawParticipants.Length == 0)
        {
            errors["participants"] = ["请填写参与人数。"];
        }
        else if (!int.TryParse(rawParticipants, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > 10_000_000)
        {
            errors["participants"] = ["参与人数须为 0 到 10000000 之间的整数。"];
        }
        else
        {
            participants = n;
        }

        var text = form["text"].ToString().Trim();
        if (text.Length == 0)
        {
            errors["text"] = ["请填写总结内容。"];
        }
        else if (text.Length > 1000)
        {
            errors["text"] = [$"总结内容不能超过 1000 字（现有 {text.Length} 字）。"];
        }
        else if (text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
        {
            errors["text"] = ["总结内容含有无法显示的字符。"];
        }

        var keep = new List<long>();
        foreach (var raw in form["keepPhotoIds"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var photoId) || photoId <= 0)
            {
                errors["keepPhotoIds"] = ["要保留的照片编号须为正整数。"];
                break;
            }

            keep.Add(photoId);
        }

        return (errors.Count == 0 ? new SummaryInput(from!.Value, to!.Value, participants, text) : null, keep, errors);
    }

    /// <summary>Which units answer for the campaign's activities, what each filed, and who would be reminded.</summary>
    public static async Task<Results<Ok<List<SummaryUnitDto>>, ProblemHttpResult>> UnitsAsync(long id, SummaryStore store, CancellationToken ct)
    {
        if (await store.GetCampaignAsync(id, ct) is null)
        {
            return CampaignNotFound();
        }

        var rows = await store.ActivitiesAsync(id, null, onlyInScope: false, activityId: null, ct);
        var organisers = await store.OrganisersAsync(rows.SelectMany(r => r.Units).Distinct().ToList(), ct);
        return TypedResults.Ok(SummaryMapping.Units(rows, organisers));
    }

    /// <summary>
    /// Reminds the organisers of every unit that has not filed: the console shows them a banner anyway; those
    /// with an openid get a WeChat template message, created and sent by a job (<see cref="SummaryReminderJob"/>).
    /// </summary>
    public static async Task<Results<Accepted<SummaryRemindDto>, ProblemHttpResult>> RemindAsync(
        long id, HttpContext http, SummaryReminderJob reminders, IBackgroundJobClient jobs, AuditLog audit, TimeProvider clock, CancellationToken ct)
    {
        if (await reminders.PlanAsync(id, ct) is not { } plan)
        {
            return CampaignNotFound();
        }

        if (plan.Units.Count == 0)
        {
            return Problems.Problem(StatusCodes.Status409Conflict, "all_filed", "各单位均已报送", "该项工作的所有活动都已提交总结，无需提醒。");
        }

        var reachable = plan.Organisers.Where(o => o.HasOpenId).ToList();
        if (reachable.Count > 0 && reminders.Content(plan.Campaign) is null)
        {
            return Problems.Problem(StatusCodes.Status409Conflict, "reminder_template_missing", "未配置提醒模板",
                "请先在配置中设置 Summaries:ReminderTemplateId（公众号模板消息）后再发送微信提醒；控制台横幅提醒不受影响。");
        }

        var actor = http.User.Actor();
        var token = Guid.NewGuid().ToString("N");
        var jobId = reachable.Count == 0 ? null
            : jobs.Enqueue<SummaryReminderJob>(j => j.RunAsync(id, token, actor.Name, CancellationToken.None));
        await audit.WriteAsync(actor.Id, actor.Name, "summary.remind", $"summary_campaign:{id}",
            new { units = plan.Units, organisers = plan.Organisers.Count, byWechat = reachable.Count, jobId }, clock.GetUtcNow(), ct);
        return TypedResults.Accepted($"{Prefix}/campaigns/{id}/units",
            new SummaryRemindDto(plan.Units.Count, plan.Organisers.Count, reachable.Count, jobId));
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> ExportAsync(
        long id, HttpContext http, SummaryStore store, AuditLog audit, TimeProvider clock, CancellationToken ct)
    {
        if (await store.GetCampaignAsync(id, ct) is not { } campaign)
        {
            return CampaignNotFound();
        }

        var rows = await store.ActivitiesAsync(id, null, onlyInScope: false, activityId: null, ct);
        var bytes = await SummaryWorkbook.BuildAsync(campaign, rows, ct);
        var actor = http.User.Actor();
        await audit.WriteAsync(actor.Id, actor.Name, "export.summary", $"summary_campaign:{id}", new { activities = rows.Count }, clock.GetUtcNow(), ct);
        return TypedResults.File(bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            $"{campaign.Code}-summary.xlsx");
    }

    private static ProblemHttpResult CampaignNotFound() => Problems.NotFound("没有找到该项总结工作");

    private static ProblemHttpResult NotInCampaign() => Problems.NotFound("该活动不在本项总结范围内", "活动的日期与该项工作的周期不重叠。");

    private static ProblemHttpResult TooLarge(string detail) =>
        Problems.Problem(StatusCodes.Status413PayloadTooLarge, "payload_too_large", "请求内容过大", detail);

    private static ProblemHttpResult DeadlinePassed(SummaryCampaignRow campaign) =>
        Problems.Problem(StatusCodes.Status409Conflict, "summary_deadline_passed", "已过报送截止时间",
            $"{campaign.Name}活动总结的截止时间是 {SummaryMapping.Text(campaign.Deadline)}，如需补报或修改请联系管理员。");
}
