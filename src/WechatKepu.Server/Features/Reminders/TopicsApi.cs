using Microsoft.AspNetCore.Http.HttpResults;
using WechatKepu.Data;
using WechatKepu.Data.Console;
using WechatKepu.Data.Delivery;
using WechatKepu.Server.Features.Console;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Data.Templates;
using WechatKepu.Server.Features.Templates;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Reminders;

/// <param name="TemplateFields">Which content goes into each field of the template: a part of the round's notice
/// (<c>activity</c>, <c>time</c>, <c>place</c>, <c>note</c>) or <c>text:</c> and a fixed text (<see cref="TopicTemplateFields"/>).</param>
public sealed record TopicRequest(string? AppId, string? Name, string? Description, long? ActivityId, string? TemplateId,
    int? OffsetMinutes, string? Url, bool? Enabled, Dictionary<string, string>? TemplateFields = null);

public sealed record RoundRequest(string? Title, DateTimeOffset? StartsAt);

public sealed record RoundDto(long Id, string Title, DateTimeOffset StartsAt, string Status);

/// <param name="TemplateTitle">The template's title in the library, null when the library does not hold it.</param>
/// <param name="TemplateLibraryId">The template's id in the library (<c>/api/console/templates/{id}</c>), or null.</param>
public sealed record TopicDto(long Id, string AppId, string Name, string Description, long? ActivityId, string TemplateId,
    int OffsetMinutes, string? Url, bool Enabled, int Subscribers, IReadOnlyList<RoundDto> Rounds)
{
    public string? TemplateTitle { get; init; }

    public long? TemplateLibraryId { get; init; }

    public IReadOnlyDictionary<string, string>? TemplateFields { get; init; }

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
        read.MapGet("/field-sources", () => TypedResults.Ok(TopicTemplateFields.Sources));
        read.MapPost("/preview", PreviewAsync);
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

    public static async Task<Ok<List<TopicDto>>> ListAsync(TopicStore topics, TemplateStore templates, WechatClients wechat, CancellationToken ct)
    {
        var (rows, rounds) = await topics.ListAsync(ct);
        var library = await templates.ListAsync(null, DeliveryChannels.OfficialAccountTemplate, ct);
        return TypedResults.Ok(rows.Select(t => Dto(t, rounds, library, wechat)).ToList());
    }

    public static async Task<Results<Ok<TopicDto>, ProblemHttpResult>> GetAsync(
        long id, TopicStore topics, TemplateStore templates, WechatClients wechat, CancellationToken ct) =>
        await DtoAsync(id, topics, templates, wechat, ct) is { } dto ? TypedResults.Ok(dto) : TopicNotFound();

    private static async Task<TopicDto?> DtoAsync(long id, TopicStore topics, TemplateStore templates, WechatClients wechat, CancellationToken ct)
    {
        var (topic, rounds) = await topics.GetAsync(id, ct);
        return topic is null ? null
            : Dto(topic, rounds, await templates.FindAsync(topic.AppId, topic.TemplateId, ct) is { } row ? [row] : [], wechat);
    }

    /// <summary>
    /// What a follower would see for a round of the topic as the editor has it (a sample first round tomorrow at 20:00):
    /// the notice laid into the chosen template's fields and checked by the same rules as every template message.
    /// </summary>
    public static async Task<Results<Ok<TemplatePreviewDto>, ValidationProblem>> PreviewAsync(
        TopicRequest request, TemplateStore templates, WechatClients wechat, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Errors();
        var name = errors.Text("name", request.Name, "主题名称", 30);
        var template = request.AppId is { } appId && request.TemplateId is { } templateId
            ? await templates.FindAsync(appId.Trim(), templateId.Trim(), ct) : null;
        if (template is null || template.Channel != DeliveryChannels.OfficialAccountTemplate)
        {
            errors.Add("templateId", "请从该公众号的模板库中选择模板");
        }

        if (errors.Any)
        {
            return Problems.Validation(errors.All);
        }

        var fields = TemplateLibrary.FieldsOf(template!);
        if (TopicTemplateFields.Check(fields, request.TemplateFields) is { Count: > 0 } mapErrors)
        {
            return Problems.Validation(mapErrors, "模板字段与所选内容不符");
        }

        var tomorrow = DateOnly.FromDateTime(Shanghai.ToShanghai(clock.GetUtcNow()).DateTime).AddDays(1);
        var startsAt = Shanghai.At(tomorrow, new TimeOnly(20, 0));
        var round = new DueTopicRound(0, "第一期", startsAt.UtcDateTime, 0, template!.AppId, name!, request.Description?.Trim() ?? "", template.TemplateId,
            string.IsNullOrWhiteSpace(request.Url) ? null : request.Url.Trim(), null);
        var data = TopicTemplateFields.Data(request.TemplateFields!, ReminderPlanner.TopicNotice(round, startsAt, wechat.OfficialAccount(template.AppId)?.Name));
        return TemplateFields.CheckAll(fields, data) is { Count: > 0 } dataErrors
            ? Problems.Validation(dataErrors, "按所选内容生成的消息不符合微信的要求")
            : TypedResults.Ok(TemplatesApi.Preview(template, fields, data));
    }

    /// <summary>
    /// Once the account's template list is synced, the template must be one of its templates still in WeChat, and the
    /// fields chosen for it must fill every field WeChat shows (checked by kind). Before, a typed id is taken as it is.
    /// </summary>
    private static async Task<IDictionary<string, string[]>?> LibraryErrorsAsync(TopicInput input, TopicRequest request, TemplateStore templates,
        CancellationToken ct)
    {
        var synced = (await templates.SyncsAsync(ct))
            .Any(s => s.AppId == input.AppId && s.Channel == DeliveryChannels.OfficialAccountTemplate && s.SyncedAt is not null);
        if (!synced)
        {
            return null;
        }

        var row = await templates.FindAsync(input.AppId, input.TemplateId, ct);
        if (row is null || row.Channel != DeliveryChannels.OfficialAccountTemplate || row.GoneAt is not null)
        {
            return new Dictionary<string, string[]>
            {
                ["templateId"] = [row?.GoneAt is not null ? "该模板已从公众号后台删除，请换一个模板" : "请从该公众号的模板库中选择模板"],
            };
        }

        if (request.TemplateFields is null)
        {
            return null;
        }

        var errors = TopicTemplateFields.Check(TemplateLibrary.FieldsOf(row), request.TemplateFields);
        return errors.Count > 0 ? errors : null;
    }

    public static async Task<Results<Created<TopicDto>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        TopicRequest request, HttpContext http, TopicStore topics, TemplateStore templates, ConsoleStore console, WechatClients wechat, TimeProvider clock,
        CancellationToken ct)
    {
        if (Validate(request, wechat) is not { } input)
        {
            return Problems.Validation(Errors(request, wechat).All);
        }

        if (await LibraryErrorsAsync(input, request, templates, ct) is { } libraryErrors)
        {
            return Problems.Validation(libraryErrors, "模板不能用于该主题");
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

        return TypedResults.Created($"/api/console/topics/{id}", (await DtoAsync(id, topics, templates, wechat, ct))!);
    }

    public static async Task<Results<Ok<TopicDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        long id, TopicRequest request, HttpContext http, TopicStore topics, TemplateStore templates, ConsoleStore console, WechatClients wechat,
        TimeProvider clock, CancellationToken ct)
    {
        if (Validate(request, wechat) is not { } input)
        {
            return Problems.Validation(Errors(request, wechat).All);
        }

        if (await LibraryErrorsAsync(input, request, templates, ct) is { } libraryErrors)
        {
            return Problems.Validation(libraryErrors, "模板不能用于该主题");
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

        return TypedResults.Ok((await DtoAsync(id, topics, templates, wechat, ct))!);
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
            request.Enabled ?? true,
            request.TemplateFields is { Count: > 0 } fields ? System.Text.Json.JsonSerializer.Serialize(fields.ToDictionary(f => f.Key.Trim(), f => f.Value.Trim())) : null);
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

    private static TopicDto Dto(TopicRow t, IReadOnlyList<RoundRow> rounds, IReadOnlyList<TemplateRow> library, WechatClients wechat)
    {
        var mine = rounds.Where(r => r.TopicId == t.Id).ToList();
        var blockers = new List<string>();
        var template = library.FirstOrDefault(w => w.AppId == t.AppId && w.TemplateId == t.TemplateId);
        var map = TopicTemplateFields.Read(t.TemplateFields);
        if (t.TemplateId.Length == 0)
        {
            blockers.Add("未选择模板：粉丝发送“订阅”时不会看到该主题，轮次也不会发送。请从模板库中选择模板。");
        }
        else if (!t.TemplateUsable)
        {
            blockers.Add(TemplateBlocker(t, template, map));
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
            mine.Select(Round).ToList())
        {
            Blockers = blockers, Warnings = warnings, TemplateTitle = template?.Title, TemplateLibraryId = template?.Id, TemplateFields = map,
        };
    }

    /// <summary>Why the library finds the topic's template unusable (<c>topic_template_usable</c> said so), for staff.</summary>
    private static string TemplateBlocker(TopicRow t, TemplateRow? template, Dictionary<string, string>? map)
    {
        const string Effect = "粉丝不会看到该主题，轮次也不会发送。";
        if (template is null)
        {
            return $"模板 {t.TemplateId} 不在该公众号的模板库中（已删除或从未添加）：{Effect}请从模板库中选择模板。";
        }

        if (template.GoneAt is not null)
        {
            return $"模板“{template.Title}”已从公众号后台删除：{Effect}请换一个模板。";
        }

        if (map is null)
        {
            return $"尚未为模板“{template.Title}”的各字段选择内容：{Effect}请编辑主题，逐项选择。";
        }

        var errors = TopicTemplateFields.Check(TemplateLibrary.FieldsOf(template), map);
        return errors.Count > 0
            ? $"模板“{template.Title}”的字段无法填写：{errors.Values.First()[0]}。{Effect}"
            : $"模板“{template.Title}”的字段与所选内容不一致：{Effect}请重新选择各字段的内容。";
    }
}
