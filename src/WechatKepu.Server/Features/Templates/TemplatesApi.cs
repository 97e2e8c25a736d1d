using Microsoft.AspNetCore.Http.HttpResults;
using WechatKepu.Data.Delivery;
using WechatKepu.Data.Templates;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Templates;

/// <summary>A field of a template's form: what goes in it, by WeChat's rule for its kind.</summary>
/// <param name="Shown">False for first/remark, which WeChat no longer shows.</param>
public sealed record TemplateFieldDto(string Key, string Kind, string Label, string KindName, string Rule, int Max, bool Shown,
    IReadOnlyList<string>? EnumValues);

/// <param name="Channel"><c>oa_template</c> (official-account template message) or <c>mp_subscribe</c> (mini-program subscribe message).</param>
/// <param name="SubscribeType">Mini-program: 2 one-time, 3 long-term.</param>
/// <param name="Gone">WeChat no longer lists it: nothing can be sent with it.</param>
/// <param name="Topics">Reminder topics that use it.</param>
public sealed record TemplateDto(long Id, string AppId, string AccountName, string Channel, string TemplateId, string Title, string Example,
    string? Industry, int? SubscribeType, IReadOnlyList<TemplateFieldDto> Fields, bool Gone, DateTimeOffset SyncedAt, int Topics);

/// <param name="LastSynced">When the list was last read from WeChat; null: never.</param>
public sealed record TemplateAccountDto(string AppId, string Name, string Channel, DateTimeOffset? LastSynced, string? Error);

public sealed record TemplateLibraryDto(IReadOnlyList<TemplateAccountDto> Accounts, IReadOnlyList<TemplateDto> Templates);

public sealed record TemplateSyncRequest(string? AppId);

public sealed record TemplatePreviewRequest(Dictionary<string, string>? Data);

/// <summary>One line as the follower's phone shows it.</summary>
public sealed record PreviewLine(string Key, string Label, string Value);

public sealed record TemplatePreviewDto(string Title, string Channel, IReadOnlyList<PreviewLine> Lines);

/// <summary>
/// The template library under <c>/api/console/templates</c>: any staff member lists templates (an account never
/// synced is synced first), opens one with the form its fields make, and previews values as WeChat would show them;
/// organisers and admins sync the lists from WeChat.
/// </summary>
public static class TemplatesApi
{
    public static IEndpointRouteBuilder MapTemplatesApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/console/templates").WithTags("Templates").RequireAuthorization(StaffPolicies.Viewer);
        read.MapGet("/", ListAsync);
        read.MapGet("/{id:long}", GetAsync);
        read.MapPost("/{id:long}/preview", PreviewAsync);
        var write = app.MapGroup("/api/console/templates").WithTags("Templates").RequireAuthorization(StaffPolicies.Organiser)
            .RequireAntiforgeryToken().AuditWrites("template");
        write.MapPost("/sync", SyncAsync);
        return app;
    }

    public static async Task<Results<Ok<TemplateLibraryDto>, ValidationProblem>> ListAsync(
        string? appId, string? channel, TemplateLibrary library, TemplateStore store, CancellationToken ct)
    {
        if (channel is not (null or DeliveryChannels.OfficialAccountTemplate or DeliveryChannels.MiniProgramSubscribe))
        {
            return Problems.Validation(new Dictionary<string, string[]>
            {
                ["channel"] = ["channel 须为 oa_template（公众号模板消息）或 mp_subscribe（小程序订阅消息）"],
            });
        }

        await library.EnsureSyncedAsync(ct);
        var accounts = library.Accounts();
        var syncs = await store.SyncsAsync(ct);
        var rows = await store.ListAsync(appId, channel, ct);
        return TypedResults.Ok(new TemplateLibraryDto(
            accounts.Select(a => syncs.FirstOrDefault(s => s.AppId == a.AppId && s.Channel == a.Channel) is { } s
                ? new TemplateAccountDto(a.AppId, a.Name, a.Channel, s.SyncedAt is { } at ? Utc(at) : null, s.Error)
                : new TemplateAccountDto(a.AppId, a.Name, a.Channel, null, null)).ToList(),
            rows.Select(r => Dto(r, accounts)).ToList()));
    }

    public static async Task<Results<Ok<TemplateDto>, ProblemHttpResult>> GetAsync(long id, TemplateLibrary library, TemplateStore store, CancellationToken ct) =>
        await store.GetAsync(id, ct) is { } row ? TypedResults.Ok(Dto(row, library.Accounts())) : NotFound();

    public static async Task<Results<Ok<IReadOnlyList<TemplateSyncResult>>, ValidationProblem>> SyncAsync(
        TemplateSyncRequest? request, TemplateLibrary library, CancellationToken ct)
    {
        var appId = string.IsNullOrWhiteSpace(request?.AppId) ? null : request.AppId.Trim();
        if (appId is not null && library.Accounts().All(a => a.AppId != appId))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["appId"] = ["没有配置该公众号或小程序：请从列表中选择"] });
        }

        return TypedResults.Ok(await library.SyncAsync(appId, ct));
    }

    public static async Task<Results<Ok<TemplatePreviewDto>, ValidationProblem, ProblemHttpResult>> PreviewAsync(
        long id, TemplatePreviewRequest? request, TemplateStore store, CancellationToken ct)
    {
        if (await store.GetAsync(id, ct) is not { } row)
        {
            return NotFound();
        }

        var fields = TemplateLibrary.FieldsOf(row);
        var errors = TemplateFields.CheckAll(fields, request?.Data);
        if (row.GoneAt is not null)
        {
            errors["templateId"] = ["该模板已从微信后台删除，无法再发送：请选用其他模板"];
        }

        return errors.Count > 0
            ? Problems.Validation(errors, "模板内容不符合微信的要求")
            : TypedResults.Ok(Preview(row, fields, request!.Data!));
    }

    /// <summary>
    /// What the follower sees, for values that passed <see cref="TemplateFields.CheckAll"/>: the title, then each shown
    /// field as its label and one line (no first or remark: WeChat has not shown them since 2023-05-04).
    /// </summary>
    public static TemplatePreviewDto Preview(TemplateRow row, IReadOnlyList<TemplateField> fields, IReadOnlyDictionary<string, string> data) =>
        new(row.Title, row.Channel, fields.Where(f => !f.Hidden).Select(f => new PreviewLine(f.Key, f.Label, data.GetValueOrDefault(f.Key) ?? "")).ToList());

    public static TemplateFieldDto FieldDto(TemplateField f)
    {
        var rule = TemplateFields.Rule(f.Kind);
        return new TemplateFieldDto(f.Key, f.Kind, f.Label, rule.Name, rule.Rule, TemplateFields.FitLength(f.Key), !f.Hidden, f.EnumValues);
    }

    private static TemplateDto Dto(TemplateRow r, IReadOnlyList<TemplateAccount> accounts) => new(
        r.Id, r.AppId, accounts.FirstOrDefault(a => a.AppId == r.AppId)?.Name ?? r.AppId, r.Channel, r.TemplateId, r.Title, r.Example,
        r.PrimaryIndustry is { Length: > 0 } p ? $"{p} / {r.DeputyIndustry}" : null, r.SubscribeType,
        TemplateLibrary.FieldsOf(r).Select(FieldDto).ToList(), r.GoneAt is not null, Utc(r.SyncedAt), r.Topics);

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static ProblemHttpResult NotFound() => Problems.NotFound("没有找到该模板", "模板不在模板库中：请先同步模板列表。");
}
