using Microsoft.AspNetCore.Http.HttpResults;
using WechatKepu.Data.Console;
using WechatKepu.Data.Delivery;
using WechatKepu.Server.Features.Console;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Reminders;

public sealed record TopicRequest(string? AppId, string? Name, string? Description, long? ActivityId, string? TemplateId,
    int? OffsetMinutes, string? Url, bool? Enabled);

public sealed record RoundRequest(string? Title, DateTimeOffset? StartsAt);

public sealed record RoundDto(long Id, string Title, DateTimeOffset StartsAt, string Status);

public sealed record TopicDto(long Id, string AppId, string Name, string Description, long? ActivityId, string TemplateId,
    int OffsetMinutes, string? Url, bool Enabled, int Subscribers, IReadOnlyList<RoundDto> Rounds)
{
    /// <summary>Whether rounds reach subscribers; false also means followers are not offered the topic.</summary>
    public bool CanSend => Blockers.Count == 0;

    /// <summary>Why the topic cannot send, in Chinese for staff; empty when it can.</summary>
    public IReadOnlyList<string> Blockers { get; init; } = [];

    /// <summary>What staff should know though the topic can send (no round planned yet).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>
/// Staff define reminder topics (e.g. 健康知识问答 on 健康柳州) and their rounds; followers subscribe with
/// 订阅/退订 in the official account; before each round its subscribers get a template message.
/// </summary>
public static class TopicsApi
{
    public static IEndpointRouteBuilder MapTopicsApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/console/topics").RequireAuthorization(StaffPolicies.Viewer).WithTags("Reminder topics");
        read.MapGet("/", ListAsync);
        read.MapGet("/{id:long}", GetAsync);
        var write = app.MapGroup("/api/console/topics").RequireAuthorization(StaffPolicies.Organiser).RequireAntiforgeryToken().WithTags("Reminder topics")
            .AuditWrites("topic");
        write.MapPost("/", CreateAsync);
        write.MapPut("/{id:long}", UpdateAsync);
        write.MapPost("/{id:long}/rounds", AddRoundAsync);
        write.MapPut("/{id:long}/rounds/{roundId:long}", MoveRoundAsync);
        write.MapDelete("/{id:long}/rounds/{roundId:long}", CancelRoundAsync);
        return app;
    }

    public static async Task<Ok<List<TopicDto>>> ListAsync(TopicStore topics, WechatClients wechat, CancellationToken ct)
    {
        var (rows, rounds) = await topics.ListAsync(ct);
        return TypedResults.Ok(rows.Select(t => Dto(t, rounds, wechat)).ToList());
    }

    public static async Task<Results<Ok<TopicDto>, ProblemHttpResult>> GetAsync(long id, TopicStore topics, WechatClients wechat, CancellationToken ct)
    {
        var (topic, rounds) = await topics.GetAsync(id, ct);
        return topic is null ? TopicNotFound() : TypedResults.Ok(Dto(topic, rounds, wechat));
    }

    public static async Task<Results<Created<TopicDto>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        TopicRequest request, HttpContext http, TopicStore topics, ConsoleStore console, WechatClients wechat, TimeProvider clock, CancellationToken ct)
    {
        if (Validate(request, wechat) is not { } input)
        {
            return Problems.Validation(Errors(request, wechat).All);
        }

        if (await ConsoleScope.CheckLinkedAsync(console, http.User.Actor(), input.ActivityId, ct) is { } outOfScope)
        {
            return outOfScope;
        }

        var (outcome, id) = await topics.CreateAsync(input, clock.GetUtcNow(), ct);
        if (WriteProblem(outcome) is { } problem)
        {
            return problem;
        }

        var (topic, rounds) = await topics.GetAsync(id, ct);
        return TypedResults.Created($"/api/console/topics/{id}", Dto(topic!, rounds, wechat));
    }

    public static async Task<Results<Ok<TopicDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        long id, TopicRequest request, HttpContext http, TopicStore topics, ConsoleStore console, WechatClients wechat, TimeProvider clock,
        CancellationToken ct)
    {
        if (Validate(request, wechat) is not { } input)
        {
            return Problems.Validation(Errors(request, wechat).All);
        }

        // Both the topic as it is and as it would be must be the organiser's: no taking one, no giving one away.
        if ((await CheckTopicAsync(id, http, console, ct) ?? await ConsoleScope.CheckLinkedAsync(console, http.User.Actor(), input.ActivityId, ct))
            is { } outOfScope)
        {
            return outOfScope;
        }

        if (WriteProblem(await topics.UpdateAsync(id, input, clock.GetUtcNow(), ct)) is { } problem)
        {
            return problem;
        }

        var (topic, rounds) = await topics.GetAsync(id, ct);
        return TypedResults.Ok(Dto(topic!, rounds, wechat));
    }

    public static async Task<Results<Created<RoundDto>, ValidationProblem, ProblemHttpResult>> AddRoundAsync(
        long id, RoundRequest request, HttpContext http, TopicStore topics, ConsoleStore console, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (RoundErrors(request, now) is { Any: true } errors)
        {
            return Problems.Validation(errors.All);
        }

        if (await CheckTopicAsync(id, http, console, ct) is { } outOfScope)
        {
            return outOfScope;
        }

        var round = await topics.AddRoundAsync(id, request.Title!.Trim(), request.StartsAt!.Value, now, ct);
        return round is null ? TopicNotFound() : TypedResults.Created($"/api/console/topics/{id}/rounds/{round.Id}", Round(round));
    }

    public static async Task<Results<Ok<RoundDto>, ValidationProblem, ProblemHttpResult>> MoveRoundAsync(
        long id, long roundId, RoundRequest request, HttpContext http, TopicStore topics, ConsoleStore console, TimeProvider clock,
        CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (RoundErrors(request, now) is { Any: true } errors)
        {
            return Problems.Validation(errors.All);
        }

        if (await CheckTopicAsync(id, http, console, ct) is { } outOfScope)
        {
            return outOfScope;
        }

        var round = await topics.UpdateRoundAsync(id, roundId, request.Title!.Trim(), request.StartsAt!.Value, now, ct);
        return round is null
            ? Problems.NotFound("没有找到该场次", "场次不存在、不属于该主题或已取消")
            : TypedResults.Ok(Round(round));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> CancelRoundAsync(
        long id, long roundId, HttpContext http, TopicStore topics, ConsoleStore console, TimeProvider clock, CancellationToken ct) =>
        await CheckTopicAsync(id, http, console, ct) is { } outOfScope ? outOfScope
        : await topics.CancelRoundAsync(id, roundId, clock.GetUtcNow(), ct) ? TypedResults.NoContent()
        : Problems.NotFound("没有找到该场次");

    /// <summary>Null when the caller may change the topic: an admin, or an organiser of its activity's unit.</summary>
    private static async Task<ProblemHttpResult?> CheckTopicAsync(long id, HttpContext http, ConsoleStore console, CancellationToken ct) =>
        await console.TopicActivityAsync(id, ct) is not { } linked
            ? TopicNotFound()
            : await ConsoleScope.CheckLinkedAsync(console, http.User.Actor(), linked.ActivityId, ct);

    private static TopicInput? Validate(TopicRequest request, WechatClients wechat)
    {
        if (Errors(request, wechat).Any)
        {
            return null;
        }

        return new TopicInput(request.AppId!.Trim(), request.Name!.Trim(), request.Description?.Trim() ?? "", request.ActivityId,
            request.TemplateId!.Trim(), request.OffsetMinutes ?? 1440, string.IsNullOrWhiteSpace(request.Url) ? null : request.Url.Trim(),
            request.Enabled ?? true);
    }

    private static Errors Errors(TopicRequest request, WechatClients wechat)
    {
        var errors = new Errors();
        if (errors.Text("appId", request.AppId, "公众号", 64) is { } appId && wechat.OfficialAccount(appId) is null)
        {
            errors.Add("appId", "未配置该公众号");
        }

        errors.Text("name", request.Name, "主题名称", 30);
        errors.Text("description", request.Description, "说明", 200, required: false);
        errors.Text("templateId", request.TemplateId, "模板消息 ID", 64);
        if (request.OffsetMinutes is < 0 or > 43200)
        {
            errors.Add("offsetMinutes", "提前提醒时间应在 0 到 43200 分钟（30 天）之间");
        }

        if (!string.IsNullOrWhiteSpace(request.Url)
            && !(Uri.TryCreate(request.Url.Trim(), UriKind.Absolute, out var url) && url.Scheme is "https" or "http"))
        {
            errors.Add("url", "链接应为 http(s) 网址");
        }

        return errors;
    }

    private static Errors RoundErrors(RoundRequest request, DateTimeOffset now)
    {
        var errors = new Errors();
        errors.Text("title", request.Title, "场次名称", 60);
        if (request.StartsAt is not { } startsAt)
        {
            errors.Add("startsAt", "请填写开始时间");
        }
        else if (startsAt <= now)
        {
            errors.Add("startsAt", "开始时间应晚于现在");
        }

        return errors;
    }

    private static ProblemHttpResult? WriteProblem(TopicWriteOutcome outcome) => outcome switch
    {
        TopicWriteOutcome.NotFound => TopicNotFound(),
        TopicWriteOutcome.DuplicateName => Problems.Problem(StatusCodes.Status409Conflict, "topic_exists", "主题名称已存在", "该公众号已有同名的提醒主题"),
        TopicWriteOutcome.UnknownActivity => Problems.Problem(StatusCodes.Status422UnprocessableEntity, "unknown_activity", "关联的活动不存在"),
        _ => null,
    };

    private static RoundDto Round(RoundRow r) => new(r.Id, r.Title, new DateTimeOffset(r.StartsAt, TimeSpan.Zero), r.Status);

    private static ProblemHttpResult TopicNotFound() => Problems.NotFound("没有找到该提醒主题");

    private static TopicDto Dto(TopicRow t, IReadOnlyList<RoundRow> rounds, WechatClients wechat)
    {
        var mine = rounds.Where(r => r.TopicId == t.Id).ToList();
        var blockers = new List<string>();
        if (t.TemplateId.Length == 0)
        {
            blockers.Add("未设置模板消息 ID：粉丝发送“订阅”时不会看到该主题，轮次也不会发送。请在公众号后台选用模板后填写。");
        }

        if (!t.Enabled)
        {
            blockers.Add("主题已停用。");
        }

        if (wechat.OfficialAccount(t.AppId) is null)
        {
            blockers.Add($"公众号 {t.AppId} 未在服务器配置中。");
        }

        var warnings = mine.Any(r => r.Status == "scheduled") ? new List<string>() : ["尚无待发送的轮次：请添加轮次及开始时间。"];
        return new TopicDto(t.Id, t.AppId, t.Name, t.Description, t.ActivityId, t.TemplateId, t.OffsetMinutes, t.Url, t.Enabled, t.Subscribers,
            mine.Select(Round).ToList()) { Blockers = blockers, Warnings = warnings };
    }
}
