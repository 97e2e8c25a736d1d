using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Callback;
using WechatKepu.Data.Menu;
using WechatKepu.Server.Features.Callback;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Server.Infrastructure;
using WechatKepu.Wechat.Api;
using WechatKepu.Wechat.Api.Models.Menu;

namespace WechatKepu.Server.Features.Menu;

public sealed record MenuRequest(IReadOnlyList<MenuItem>? Buttons);

/// <param name="Published">WeChat has accepted this version (menu/create).</param>
public sealed record MenuDto(string AppId, IReadOnlyList<MenuItem> Buttons, DateTimeOffset? UpdatedAt, DateTimeOffset? PublishedAt, string? PublishError);

public sealed record MenuChoice(string Value, string Label);

public sealed record MenuLimitsDto(int MaxButtons, int MaxChildren, int MaxNameBytes, int MaxChildNameBytes, int MaxUrlBytes);

/// <param name="Pages">Mini-program pages that open without a query (a menu button passes none).</param>
public sealed record MenuOptionsDto(IReadOnlyList<MenuChoice> Commands, IReadOnlyList<MenuChoice> Pages, bool MiniProgramConfigured, MenuLimitsDto Limits);

/// <summary>
/// The official account's custom menu under <c>/api/console/menu</c>: any staff member reads it; admins (it is
/// the whole account's) save and publish it with menu/create, or delete it with menu/delete. Audited.
/// </summary>
public static class MenuApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapMenuApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/console/menu").WithTags("Menu").RequireAuthorization(StaffPolicies.Viewer);
        read.MapGet("/options", Options);
        read.MapGet("/{appId}", GetAsync);
        var write = app.MapGroup("/api/console/menu").WithTags("Menu").RequireAuthorization(StaffPolicies.Admin).RequireAntiforgeryToken()
            .AuditWrites("menu");
        write.MapPut("/{appId}", PublishAsync);
        write.MapDelete("/{appId}", DeleteAsync);
        return app;
    }

    public static Ok<MenuOptionsDto> Options(WechatClients wechat) => TypedResults.Ok(new MenuOptionsDto(
        MenuDesign.Commands.Select(c => new MenuChoice(c.Key, c.Label)).ToList(),
        MiniProgramPages.All.Where(p => p.QueryKey is null).Select(p => new MenuChoice(p.Path, p.Label)).ToList(),
        wechat.MiniProgramConfigured,
        new MenuLimitsDto(MenuDesign.MaxButtons, MenuDesign.MaxChildren, MenuDesign.MaxNameBytes, MenuDesign.MaxChildNameBytes, MenuDesign.MaxUrlBytes)));

    public static async Task<Results<Ok<MenuDto>, ProblemHttpResult>> GetAsync(
        string appId, CallbackAccounts accounts, MenuStore store, CancellationToken ct)
    {
        if (accounts.Find(appId) is null)
        {
            return UnknownAccount();
        }

        return TypedResults.Ok(Dto(appId, await store.GetAsync(appId, ct)));
    }

    /// <summary>What publishing a menu needs besides the request ([AsParameters]: one bundle, not seven parameters).</summary>
    public readonly record struct PublishServices(
        CallbackAccounts Accounts, ReplyRuleStore Rules, MenuStore Store, WechatClients Wechat, IOptions<WechatOptions> Options, TimeProvider Clock);

    public static async Task<Results<Ok<MenuDto>, ValidationProblem, ProblemHttpResult>> PublishAsync(
        string appId, MenuRequest? request, HttpContext http, [AsParameters] PublishServices services, CancellationToken ct)
    {
        var (accounts, rules, store, wechat, options, clock) = services;
        if (accounts.Find(appId) is null)
        {
            return UnknownAccount();
        }

        var ruleNames = (await rules.ListAsync(appId, ct)).ToDictionary(r => r.Id, r => r.Keyword);
        var miniProgram = wechat.MiniProgramConfigured ? options.Value.MiniProgram.AppId : null;
        var (buttons, errors) = MenuDesign.Check(request?.Buttons, ruleNames, miniProgram);
        if (buttons is null)
        {
            return Problems.Validation(errors, "菜单不符合微信的要求");
        }

        var now = clock.GetUtcNow();
        await store.SaveAsync(appId, JsonSerializer.Serialize(Normalise(request!.Buttons!), Json), http.User.Actor().Id, now, ct);
        var saved = (await store.GetAsync(appId, ct))!;
        try
        {
            await wechat.ForOfficialAccount(appId).CreateMenuAsync(new MenuCreateRequest(buttons), ct);
        }
        catch (WechatApiException e)
        {
            var reason = Refusal(e);
            await store.SetPublishedAsync(appId, saved.UpdatedAt, null, reason, CancellationToken.None);
            return Problems.Problem(StatusCodes.Status502BadGateway, "menu_not_published", "菜单已保存，但微信没有接受", reason);
        }

        var published = await store.SetPublishedAsync(appId, saved.UpdatedAt, now, null, CancellationToken.None) ?? saved;
        return TypedResults.Ok(Dto(appId, published));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string appId, CallbackAccounts accounts, MenuStore store, WechatClients wechat, CancellationToken ct)
    {
        if (accounts.Find(appId) is null)
        {
            return UnknownAccount();
        }

        try
        {
            await wechat.ForOfficialAccount(appId).DeleteMenuAsync(ct);
        }
        catch (WechatApiException e)
        {
            return Problems.Problem(StatusCodes.Status502BadGateway, "menu_not_deleted", "微信没有删除菜单", Refusal(e));
        }

        // The saved buttons stay, unpublished, to be published again later.
        if (await store.GetAsync(appId, ct) is { } row)
        {
            await store.SetPublishedAsync(appId, row.UpdatedAt, null, null, CancellationToken.None);
        }

        return TypedResults.NoContent();
    }

    /// <summary>Only what the editor uses, names trimmed: what was published is what is shown again.</summary>
    private static List<MenuItem> Normalise(IReadOnlyList<MenuItem> items) => items.Select(i => i.Kind switch
    {
        "group" => new MenuItem(i.Name?.Trim(), "group", Children: Normalise(i.Children ?? [])),
        "command" => new MenuItem(i.Name?.Trim(), "command", Command: i.Command),
        "reply" => new MenuItem(i.Name?.Trim(), "reply", ReplyRuleId: i.ReplyRuleId),
        "view" => new MenuItem(i.Name?.Trim(), "view", Url: i.Url?.Trim()),
        _ => new MenuItem(i.Name?.Trim(), "miniprogram", Page: i.Page),
    }).ToList();

    private static MenuDto Dto(string appId, MenuRow? row) => row is null
        ? new MenuDto(appId, [], null, null, null)
        : new MenuDto(appId, JsonSerializer.Deserialize<List<MenuItem>>(row.Buttons, Json) ?? [], Utc(row.UpdatedAt), row.PublishedAt is { } p ? Utc(p) : null,
            row.PublishError);

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static string Refusal(WechatApiException e) => e.IsTransport
        ? "暂时连不上微信，请稍后再发布。"
        : e.Errcode switch
        {
            40016 or 40023 => $"按钮个数不符合微信的要求（错误码 {e.Errcode}）。",
            40018 or 40025 => $"按钮名称太长（错误码 {e.Errcode}）。",
            40013 or 40165 => $"小程序或其页面不可用：请确认小程序已关联本公众号并已发布该页面（错误码 {e.Errcode}）。",
            48001 => "本公众号没有自定义菜单接口权限（错误码 48001）。",
            _ => $"微信返回错误码 {e.Errcode}：{e.Errmsg}",
        };

    private static ProblemHttpResult UnknownAccount() => Problems.NotFound("没有这个公众号", "请从列表中选择已配置的公众号。");
}
