using System.Text.Json;
using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Broadcasts;
using WechatKepu.Data.Console;
using WechatKepu.Server.Features.Console;
using WechatKepu.Data.Delivery;
using WechatKepu.Data.Staff;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Server.Infrastructure;
using WechatKepu.Wechat.Api;
using WechatKepu.Server.Features.Menu;

namespace WechatKepu.Server.Features.Broadcasts;

public static class BroadcastsApi
{
    /// <summary>WeChat's mass-send frequency limit per account.</summary>
    public const int MassPerMinute = 60;

    private static readonly string[] Kinds = [BroadcastKind.Text, BroadcastKind.News, BroadcastKind.Template, BroadcastKind.Mpnews, BroadcastKind.Image];

    /// <summary>
    /// Since 2023-05-04 WeChat shows no first/remark and at most 20 characters of a keyword on one line: a
    /// broadcast that relies on them would reach followers without what it meant to say.
    /// </summary>
    internal static string? TemplateFieldProblem(IReadOnlyDictionary<string, string> data) =>
        data.Keys.FirstOrDefault(k => k is "first" or "remark") is { } hidden
            ? $"微信已不再显示 {hidden} 字段，请把内容放进模板的关键词字段"
            : data.FirstOrDefault(kv => Reminders.NoticeText.OneLine(kv.Value) != kv.Value || kv.Value.Length > Reminders.NoticeText.FieldLength) is { Key: { } key }
                ? $"字段 {key} 超过 {Reminders.NoticeText.FieldLength} 个字、含换行或表情：微信只显示一行前 {Reminders.NoticeText.FieldLength} 个字"
                : null;
    private static readonly string[] Audiences = [BroadcastAudience.All, BroadcastAudience.Tag, BroadcastAudience.Topic, BroadcastAudience.Session];

    public static void MapBroadcastsApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/console/broadcasts").WithTags("Console").RequireAuthorization(StaffPolicies.Viewer);
        read.MapGet("", ListAsync);
        read.MapGet("/{id:long}", GetAsync);
        read.MapGet("/quota", GetQuotaAsync).WithSummary("Mass sends left in the period (4 a month for a service account, 1 a day for a subscription account)");
        read.MapGet("/tags", TagsAsync).WithSummary("The account's WeChat tags (tags/get) with their follower counts, to choose an audience by name");
        var write = app.MapGroup("/api/console/broadcasts").WithTags("Console").RequireAuthorization(StaffPolicies.Organiser).RequireAntiforgeryToken();
        write.MapPost("", CreateAsync);
        write.MapPost("/{id:long}/preview", PreviewAsync).WithSummary("Sends the broadcast to the staff member's own openid");
        write.MapPost("/{id:long}/schedule", ScheduleAsync).WithSummary("Send now (no body) or at a time; organisers' mass sends wait for an admin");
        write.MapPost("/{id:long}/cancel", CancelAsync);
        app.MapGroup("/api/console/broadcasts").WithTags("Console").RequireAuthorization(StaffPolicies.Admin).RequireAntiforgeryToken()
            .MapPost("/{id:long}/confirm", ConfirmAsync).WithSummary("An admin confirms a mass send an organiser scheduled");
    }

    internal static BroadcastDto Dto(BroadcastRow b)
    {
        static DateTimeOffset? T(DateTime? t) => t is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
        return new BroadcastDto(b.Id, b.AppId, b.Title, b.Kind, JsonDocument.Parse(b.Content).RootElement.Clone(), b.Audience, b.AudienceRef,
            b.Status, T(b.ScheduledAt), T(b.StartedAt), T(b.FinishedAt), b.MsgId, b.Error, b.TotalCount, b.FilterCount, b.SentCount,
            b.ErrorCount, b.CreatedByName, T(b.CreatedAt)!.Value, b.Recipients, b.RecipientsSent, b.RecipientsFailed);
    }

    /// <summary>The quota left for mass sends, counted from our own mass broadcasts WeChat accepted (other than <paramref name="exceptId"/>).</summary>
    internal static async Task<MassQuotaDto> QuotaAsync(BroadcastStore store, BroadcastOptions quota, string appId, long exceptId, DateTimeOffset now,
        CancellationToken ct)
    {
        var used = await store.MassSendsSinceAsync(appId, exceptId, quota.PeriodStart(now), ct);
        var left = Math.Max(0, quota.MassQuota - used);
        var per = quota.MassQuotaPeriod == "day" ? "每天" : "每月";
        return new MassQuotaDto(quota.MassQuotaPeriod, quota.MassQuota, used, left,
            $"{per}可群发 {quota.MassQuota} 次（全部关注者或按标签），{quota.PeriodName}已用 {used} 次，还剩 {left} 次。");
    }

    private static async Task<Results<Ok<MassQuotaDto>, ValidationProblem>> GetQuotaAsync(
        string? appId, BroadcastStore store, IOptions<BroadcastOptions> quota, IOptions<WechatOptions> wechat, TimeProvider clock, CancellationToken ct) =>
        ArticlesApi.AccountOf(appId, wechat.Value) is { } app
            ? TypedResults.Ok(await QuotaAsync(store, quota.Value, app, 0, clock.GetUtcNow(), ct))
            : Problems.Validation(new Dictionary<string, string[]> { ["appId"] = ["请选择已配置的公众号"] });

    private static async Task<Results<Ok<List<WechatKepu.Wechat.Api.Models.Tags.Tag>>, ValidationProblem, ProblemHttpResult>> TagsAsync(
        string? appId, WechatClients clients, IOptions<WechatOptions> wechat, CancellationToken ct)
    {
        if (ArticlesApi.AccountOf(appId, wechat.Value) is not { } app)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["appId"] = ["请选择已配置的公众号"] });
        }

        try
        {
            return TypedResults.Ok((await clients.ForOfficialAccount(app).GetTagsAsync(ct)).Tags.OrderBy(t => t.Name, StringComparer.Ordinal).ToList());
        }
        catch (WechatApiException e)
        {
            return ArticlesApi.Refused("没有读到公众号的标签", e);
        }
    }

    private static async Task<Ok<List<BroadcastDto>>> ListAsync(BroadcastStore store, CancellationToken ct) =>
        TypedResults.Ok((await store.ListAsync(ct)).Select(Dto).ToList());

    /// <summary>A broadcast with its results; reads only (a template broadcast ends when the delivery engine ends its campaign).</summary>
    private static async Task<Results<Ok<BroadcastDetailDto>, ProblemHttpResult>> GetAsync(
        long id, HttpContext http, BroadcastStore store, BroadcastReach reach, DeliveryEngine engine, CancellationToken ct)
    {
        var actor = http.User.Actor();
        if (await store.GetAsync(id, ct) is not { } b)
        {
            return Problems.NotFound("没有找到该群发");
        }

        BroadcastDeliveryDto? delivery = null;
        if (b.CampaignId is { } campaignId && await engine.ReportAsync(campaignId, 100, ct) is { } report)
        {
            var sent = report.Count(DeliveryStatus.Sent);
            var pending = report.Count(DeliveryStatus.Pending) + report.Count(DeliveryStatus.Sending);
            delivery = new BroadcastDeliveryDto(campaignId, report.Campaign.Status, report.Campaign.Total, sent,
                report.Campaign.Total - sent - pending, pending, Delivery.CampaignsApi.Failures(actor, report.Failures));
        }

        var recipients = (await store.RecipientsAsync(id, ct)).Select(r => r with { Openid = ConsoleScope.OpenId(actor, r.Openid) }).ToList();
        var unreachable = delivery is not null ? BroadcastReport.Deliveries(delivery.Failures)
            : b.Audience == BroadcastAudience.Session && b.Kind != BroadcastKind.Template
                ? BroadcastReport.SessionFamilies((await reach.SessionFamiliesAsync(id, b.AppId, b.AudienceRef!.Value, ct))
                    .Select(f => f with { Openid = ConsoleScope.OpenId(actor, f.Openid) }),
                    listFixed: b.Status is not (BroadcastStatus.Draft or BroadcastStatus.Scheduled or BroadcastStatus.AwaitingConfirmation or BroadcastStatus.Cancelled))
                : BroadcastReport.Recipients(recipients);
        var forecast = b.Status is BroadcastStatus.Draft or BroadcastStatus.Scheduled or BroadcastStatus.AwaitingConfirmation
            ? BroadcastReport.Forecast(b.Kind, b.Audience, await reach.ForecastAsync(b.AppId, b.Audience, b.AudienceRef, b.Kind == BroadcastKind.Template, ct))
            : null;
        return TypedResults.Ok(new BroadcastDetailDto(Dto(b), recipients, delivery, unreachable, forecast));
    }

    private static async Task<Results<Created<BroadcastDto>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        BroadcastRequest? r, HttpContext http, BroadcastStore store, ArticleStore articles, Data.Templates.TemplateStore templates, ConsoleStore console,
        IOptions<WechatOptions> wechat,
        TimeProvider clock, Npgsql.NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new Errors();
        var appId = r?.AppId?.Trim() is { Length: > 0 } a ? a : wechat.Value.OfficialAccounts.FirstOrDefault()?.AppId;
        if (appId is null || wechat.Value.OfficialAccounts.All(x => x.AppId != appId))
        {
            errors.Add("appId", "请选择已配置的公众号");
        }

        var title = errors.Text("title", r?.Title, "群发标题", 64);
        var kind = r?.Kind;
        if (kind is null || !Kinds.Contains(kind))
        {
            errors.Add("kind", "消息类型须为 text（文字）、news（图文链接）、template（模板消息）、mpnews（图文）或 image（图片）");
        }

        var page = errors.Text("page", r?.Page, "小程序页面", 200, required: false);
        if (page is not null && MiniProgramPages.Find(page) is not { QueryKey: null })
        {
            errors.Add("page", "请从列表中选择小程序页面（须是小程序里无需参数即可打开的页面）");
        }

        BroadcastContent? content = null;
        switch (kind)
        {
            case BroadcastKind.Text:
                content = new BroadcastContent(errors.Text("text", r?.Text, "文字内容", 600), null, null, page);
                break;
            case BroadcastKind.News:
                var newsTitle = errors.Text("news.title", r?.News?.Title, "图文标题", 64);
                var url = errors.Url("news.url", r?.News?.Url, "链接", 500);

                content = new BroadcastContent(null, new NewsLink(newsTitle, r?.News?.Description?.Trim() ?? "", url), null, page);
                break;
            case BroadcastKind.Template:
                var templateId = errors.Text("template.templateId", r?.Template?.TemplateId, "模板 ID", 64);
                if (r?.Template?.Data is not { Count: > 0 } data || data.Any(kv => string.IsNullOrWhiteSpace(kv.Key) || kv.Value is null || kv.Value.Length > 200))
                {
                    errors.Add("template.data", "请填写模板的各个字段（每项不超过 200 字）");
                    data = [];
                }
                else if (TemplateFieldProblem(data) is { } hiddenOrCut)
                {
                    errors.Add("template.data", hiddenOrCut);
                }

                // A template from the library is checked field by field by WeChat's rule for each kind (thing ≤ 20, time…).
                if (templateId is not null && appId is not null && data.Count > 0 && await templates.FindAsync(appId, templateId, ct) is { } known)
                {
                    foreach (var (key, messages) in Templates.TemplateFields.CheckAll(Templates.TemplateLibrary.FieldsOf(known), data))
                    {
                        errors.Add("template." + key, messages[0]);
                    }
                }

                content = new BroadcastContent(null, null, new TemplateBody(templateId, data), page);
                break;
            case BroadcastKind.Mpnews:
                if (r?.ArticleId is not > 0 || await articles.ArticleAsync(r.ArticleId.Value, ct) is not { } article || article.AppId != appId)
                {
                    errors.Add("articleId", "请选择已保存的图文");
                }
                else
                {
                    content = new BroadcastContent(null, null, null, null, Article: new ArticleRef(article.Id, article.Title, article.DraftMediaId));
                }

                break;
            case BroadcastKind.Image:
                if (r?.ImageId is not > 0 || await articles.AssetAsync(r.ImageId.Value, ct) is not { MediaId: { } mediaId } image || image.AppId != appId)
                {
                    errors.Add("imageId", "请选择已上传的图片（封面类图片）");
                }
                else
                {
                    content = new BroadcastContent(null, null, null, null, Image: new ImageRef(image.Id, image.Url, mediaId));
                }

                break;
        }

        var audience = r?.Audience;
        if (audience is null || !Audiences.Contains(audience))
        {
            errors.Add("audience", "发送对象须为 all（全部关注者）、tag（标签）、topic（提醒主题）或 session（场次家长）");
        }
        else if (kind is BroadcastKind.Mpnews or BroadcastKind.Image && audience is not (BroadcastAudience.All or BroadcastAudience.Tag))
        {
            errors.Add("audience", "图文和图片只能群发给全部关注者或某个标签");
        }
        else if (audience == BroadcastAudience.All ? r!.AudienceRef is not null : r!.AudienceRef is not > 0)
        {
            errors.Add("audienceRef", audience == BroadcastAudience.All ? "发送给全部关注者时不需要 audienceRef" : "请选择标签、主题或场次");
        }

        if (errors.Any)
        {
            return Problems.Validation(errors.All);
        }

        var actor = http.User.Actor();
        var missing = audience switch
        {
            BroadcastAudience.Topic => !await ExistsAsync(db, "SELECT EXISTS (SELECT 1 FROM reminder_topics WHERE id = @id AND app_id = @appId)", r!.AudienceRef!.Value, appId!, ct),
            BroadcastAudience.Session => !await ExistsAsync(db, "SELECT EXISTS (SELECT 1 FROM sessions WHERE id = @id)", r!.AudienceRef!.Value, appId!, ct),
            BroadcastAudience.Tag => r!.AudienceRef > int.MaxValue,
            _ => false,
        };
        if (missing)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["audienceRef"] = ["没有找到该主题或场次"] });
        }

        if (audience == BroadcastAudience.Session && await ConsoleScope.CheckAsync(console, actor, await console.SessionActivityAsync(r!.AudienceRef!.Value, ct), writing: true, ct) is { } problem)
        {
            return problem;
        }

        if (audience == BroadcastAudience.Topic && await ConsoleScope.CheckLinkedAsync(console, actor, (await console.TopicActivityAsync(r!.AudienceRef!.Value, ct))?.ActivityId, ct) is { } topicProblem)
        {
            return topicProblem;
        }

        var id = await store.CreateAsync(new NewBroadcast(appId!, title!, kind!, JsonSerializer.Serialize(content, KepuJson.Web), audience!, r!.AudienceRef,
                content?.Article?.Id),
            actor, clock.GetUtcNow(), ct);
        return TypedResults.Created($"/api/console/broadcasts/{id}", Dto((await store.GetAsync(id, ct))!));
    }

    private static async Task<bool> ExistsAsync(Npgsql.NpgsqlDataSource db, string sql, long id, string appId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await Dapper.SqlMapper.ExecuteScalarAsync<bool>(conn, new Dapper.CommandDefinition(sql, new { id, appId }, cancellationToken: ct));
    }

    /// <summary>What a preview needs besides the broadcast's id ([AsParameters]: one bundle, not seven parameters).</summary>
    private readonly record struct PreviewServices(
        BroadcastStore Store, StaffStore Staff, ConsoleStore Console, BroadcastJob Job, AuditLog Audit, TimeProvider Clock);

    private static async Task<Results<Ok<BroadcastDto>, ProblemHttpResult>> PreviewAsync(
        long id, HttpContext http, [AsParameters] PreviewServices services, CancellationToken ct)
    {
        var (store, staff, console, job, audit, clock) = services;
        if (await store.GetAsync(id, ct) is not { } b)
        {
            return Problems.NotFound("没有找到该群发");
        }

        var actor = http.User.Actor();
        if (await CheckScopeAsync(b, actor, console, ct) is { } outOfScope)
        {
            return outOfScope;
        }

        var openid = actor.Id is { } sid ? (await staff.GetAsync(sid, ct))?.Openid : null;
        if (string.IsNullOrEmpty(openid))
        {
            return Problems.Problem(409, "no_openid", "您的账号未绑定公众号 openid", "请管理员在工作人员账号中填写您关注公众号后的 openid，才能预览。");
        }

        try
        {
            await job.PreviewAsync(b, openid, ct);
        }
        catch (WechatApiException e)
        {
            return Problems.Problem(StatusCodes.Status502BadGateway, "wechat_error", "微信接口调用失败", $"{e.Errcode}: {e.Errmsg}");
        }

        await audit.WriteAsync(actor.Id, actor.Name, "broadcast.preview", $"broadcast:{id}", new { openid }, clock.GetUtcNow(), ct);
        return TypedResults.Ok(Dto(b));
    }

    private static async Task<Results<Ok<BroadcastDto>, ValidationProblem, ProblemHttpResult>> ScheduleAsync(
        long id, ScheduleRequest? request, HttpContext http, BroadcastStore store, ConsoleStore console, IOptions<BroadcastOptions> quota,
        IBackgroundJobClient jobs, TimeProvider clock, CancellationToken ct)
    {
        if (await store.GetAsync(id, ct) is not { } b)
        {
            return Problems.NotFound("没有找到该群发");
        }

        var actor = http.User.Actor();
        if (await CheckScopeAsync(b, actor, console, ct) is { } outOfScope)
        {
            return outOfScope;
        }

        var now = clock.GetUtcNow();
        var at = request?.At ?? now;
        if (at < now.AddMinutes(-1) || at > now.AddDays(60))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["at"] = ["发送时间须在现在到 60 天之内"] });
        }

        if (b.Status != BroadcastStatus.Draft)
        {
            return NotDraft();
        }

        if (b.IsMass && b.Kind != BroadcastKind.Template && await QuotaAsync(store, quota.Value, b.AppId, id, now, ct) is { Left: 0 } spent)
        {
            return Problems.Problem(409, "monthly_cap", $"{quota.Value.PeriodName}群发次数已用完", spent.Summary);
        }

        // Beyond one session's parents (all followers, a tag, a topic's subscribers) an organiser's
        // broadcast waits for an admin: it speaks for the whole account (and a mass send spends one of four a month).
        var needsAdmin = b.Audience != BroadcastAudience.Session && !actor.IsAdmin;
        if (!await store.MoveAsync(id, [BroadcastStatus.Draft], needsAdmin ? BroadcastStatus.AwaitingConfirmation : BroadcastStatus.Scheduled, at, actor, "broadcast.schedule", now, ct))
        {
            return NotDraft();
        }

        if (!needsAdmin)
        {
            jobs.Schedule<BroadcastJob>(j => j.RunAsync(id, CancellationToken.None), at);
        }

        return TypedResults.Ok(Dto((await store.GetAsync(id, ct))!));
    }

    /// <summary>
    /// Null when the caller may act on the broadcast: an admin; an organiser when its session or topic is
    /// their unit's, or, for all followers or a tag, when they wrote it.
    /// </summary>
    private static async Task<ProblemHttpResult?> CheckScopeAsync(BroadcastRow b, StaffActor actor, ConsoleStore console, CancellationToken ct) => b.Audience switch
    {
        _ when actor.IsAdmin => null,
        BroadcastAudience.Session => await ConsoleScope.CheckLinkedAsync(console, actor, await console.SessionActivityAsync(b.AudienceRef!.Value, ct), ct),
        BroadcastAudience.Topic => await ConsoleScope.CheckLinkedAsync(console, actor, (await console.TopicActivityAsync(b.AudienceRef!.Value, ct))?.ActivityId, ct),
        _ => b.CreatedBy == actor.Id ? null : Problems.Problem(StatusCodes.Status403Forbidden, "not_your_broadcast", "只能管理自己创建的群发",
            "发给全部关注者或标签的群发，只有创建者和管理员可以预览、安排或取消。"),
    };

    private static ProblemHttpResult NotDraft() => Problems.Problem(409, "not_draft", "只有草稿状态的群发可以安排发送");

    private static async Task<Results<Ok<BroadcastDto>, ProblemHttpResult>> ConfirmAsync(
        long id, HttpContext http, BroadcastStore store, IBackgroundJobClient jobs, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (!await store.MoveAsync(id, [BroadcastStatus.AwaitingConfirmation], BroadcastStatus.Scheduled, null, http.User.Actor(), "broadcast.confirm", now, ct))
        {
            return await store.GetAsync(id, ct) is null ? Problems.NotFound("没有找到该群发") : Problems.Problem(409, "not_awaiting", "该群发不在等待确认状态");
        }

        var b = (await store.GetAsync(id, ct))!;
        jobs.Schedule<BroadcastJob>(j => j.RunAsync(id, CancellationToken.None), b.ScheduledAt is { } t && t > now.UtcDateTime ? new DateTimeOffset(t, TimeSpan.Zero) : now);
        return TypedResults.Ok(Dto(b));
    }

    private static async Task<Results<Ok<BroadcastDto>, ProblemHttpResult>> CancelAsync(
        long id, HttpContext http, BroadcastStore store, ConsoleStore console, TimeProvider clock, CancellationToken ct)
    {
        if (await store.GetAsync(id, ct) is { } b && await CheckScopeAsync(b, http.User.Actor(), console, ct) is { } outOfScope)
        {
            return outOfScope;
        }

        if (!await store.MoveAsync(id, [BroadcastStatus.Draft, BroadcastStatus.Scheduled, BroadcastStatus.AwaitingConfirmation], BroadcastStatus.Cancelled, null, http.User.Actor(), "broadcast.cancel", clock.GetUtcNow(), ct))
        {
            return await store.GetAsync(id, ct) is null ? Problems.NotFound("没有找到该群发") : Problems.Problem(409, "already_started", "群发已开始或已结束，不能取消");
        }

        return TypedResults.Ok(Dto((await store.GetAsync(id, ct))!));
    }
}
