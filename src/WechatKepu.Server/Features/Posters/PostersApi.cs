using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using QRCoder;
using WechatKepu.Data.Console;
using WechatKepu.Data.Posters;
using WechatKepu.Server.Features.Callback;
using WechatKepu.Server.Features.Console;
using WechatKepu.Server.Features.Menu;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Server.Infrastructure;
using WechatKepu.Wechat.Api;
using WechatKepu.Wechat.Api.Models.Qrcode;
using WechatKepu.Wechat.Api.Models.Wxa;

namespace WechatKepu.Server.Features.Posters;

/// <param name="Kind"><c>permanent</c> or <c>temporary</c> (official-account QR code), <c>miniprogram</c> (a session's mini-program code).</param>
/// <param name="AppId">The official account; may be left out when only one is configured.</param>
/// <param name="Days">Temporary codes: 1–30.</param>
public sealed record PosterRequest(long? ActivityId, long? SessionId, string? Kind, string? AppId, int? Days);

public sealed record PosterDto(
    long Id, string Kind, string KindLabel, long ActivityId, string ActivityTitle, long? SessionId, string? SessionTitle,
    DateTimeOffset? SessionStartsAt, string Scene, string? Page, DateTimeOffset? ExpiresAt, DateTimeOffset CreatedAt,
    int Scans, int NewFollowers, string ImageUrl);

/// <summary>
/// Poster codes under <c>/api/console/posters</c>: an official-account QR code for an activity or a session
/// (qrcode/create; a scan follows the account, subscribes to the activity's reminders and is counted here), or a
/// session's mini-program code (getwxacodeunlimit) opening its sign-up page. Staff read all; organisers make
/// codes for their unit's activities, admins for any.
/// </summary>
public static class PostersApi
{
    /// <summary>Pixels per QR module in the download: about 1000 px, sharp when printed at A4 poster sizes.</summary>
    private const int PrintPixelsPerModule = 24;

    public static IEndpointRouteBuilder MapPostersApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/console/posters").WithTags("Posters").RequireAuthorization(StaffPolicies.Viewer);
        read.MapGet("/", ListAsync);
        read.MapGet("/{id:long}/poster.png", PngAsync);
        var write = app.MapGroup("/api/console/posters").WithTags("Posters").RequireAuthorization(StaffPolicies.Organiser).RequireAntiforgeryToken()
            .AuditWrites("poster");
        write.MapPost("/", CreateAsync);
        return app;
    }

    public static async Task<Ok<List<PosterDto>>> ListAsync(long? activityId, PosterStore store, CancellationToken ct) =>
        TypedResults.Ok((await store.ListAsync(activityId, ct)).Select(Dto).ToList());

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> PngAsync(long id, PosterStore store, CancellationToken ct)
    {
        if (await store.GetAsync(id, ct) is not { } code)
        {
            return NotFound();
        }

        var png = code.Kind == "wxacode" ? await store.ImageAsync(id, ct) : PrintPng(code.Url!);
        return TypedResults.File(png!, "image/png", $"poster-{code.ActivityId}-{id}.png");
    }

    public static async Task<Results<Created<PosterDto>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        PosterRequest? request, HttpContext http, PosterStore store, ConsoleStore console, CallbackAccounts accounts, WechatClients wechat,
        TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var kind = request?.Kind;
        if (request?.ActivityId is null)
        {
            errors["activityId"] = ["请选择活动。"];
        }

        if (kind is not ("permanent" or "temporary" or "miniprogram"))
        {
            errors["kind"] = ["请选择二维码类型：永久、临时或小程序码。"];
        }
        else if (kind == "temporary" && request!.Days is not (>= 1 and <= 30))
        {
            errors["days"] = ["临时二维码的有效期为 1 到 30 天。"];
        }
        else if (kind == "miniprogram" && request!.SessionId is null)
        {
            errors["sessionId"] = ["小程序码对应一个场次，请选择场次。"];
        }

        var appId = kind == "miniprogram" ? null : request?.AppId ?? (accounts.All.Count() == 1 ? accounts.All.Single().AppId : null);
        if (kind is "permanent" or "temporary" && (appId is null || accounts.Find(appId) is null))
        {
            errors["appId"] = ["请选择公众号。"];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var activityId = request!.ActivityId!.Value;
        if (request.SessionId is { } sid && await console.SessionActivityAsync(sid, ct) != activityId)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["sessionId"] = ["该场次不属于所选活动。"] });
        }

        if (await ConsoleScope.CheckAsync(console, http.User.Actor(), activityId, writing: true, ct) is { } outOfScope)
        {
            return outOfScope;
        }

        if (kind == "miniprogram" && !wechat.MiniProgramConfigured)
        {
            return Problems.Problem(StatusCodes.Status409Conflict, "miniprogram_not_configured", "尚未配置小程序", "配置小程序后才能生成小程序码。");
        }

        var id = await store.NextIdAsync(ct);
        var now = clock.GetUtcNow();
        NewPosterCode code;
        try
        {
            code = kind == "miniprogram"
                ? await MiniProgramCodeAsync(id, activityId, request.SessionId!.Value, wechat, now, ct)
                : await QrCodeAsync(id, appId!, activityId, request.SessionId, kind == "temporary" ? request.Days : null, wechat, now, ct);
        }
        catch (WechatApiException e)
        {
            return Problems.Problem(StatusCodes.Status502BadGateway, "wechat_refused", "微信没有生成二维码",
                e.IsTransport ? "暂时连不上微信，请稍后再试。" : $"微信返回错误码 {e.Errcode}：{e.Errmsg}");
        }

        await store.InsertAsync(code with { CreatedBy = http.User.Actor().Id }, ct);
        return TypedResults.Created($"/api/console/posters/{id}", Dto((await store.GetAsync(id, ct))!));
    }

    /// <summary>
    /// Scene <c>act:&lt;activity&gt;:&lt;code&gt;</c> or <c>ses:&lt;session&gt;:&lt;code&gt;</c>: unique per code, so each poster's
    /// scans are counted apart, and readable on its own.
    /// </summary>
    private static async Task<NewPosterCode> QrCodeAsync(
        long id, string appId, long activityId, long? sessionId, int? days, WechatClients wechat, DateTimeOffset now, CancellationToken ct)
    {
        var scene = sessionId is { } s ? $"ses:{s.ToString(CultureInfo.InvariantCulture)}:{id.ToString(CultureInfo.InvariantCulture)}"
            : $"act:{activityId.ToString(CultureInfo.InvariantCulture)}:{id.ToString(CultureInfo.InvariantCulture)}";
        var request = days is { } d ? QrCodeCreateRequest.Temporary(scene, d * 86_400) : QrCodeCreateRequest.Permanent(scene);
        var answer = await wechat.ForOfficialAccount(appId).CreateQrCodeAsync(request, ct);
        return new NewPosterCode(id, appId, days is null ? "qr_permanent" : "qr_temporary", activityId, sessionId, scene, answer.Ticket, answer.Url,
            null, null, answer.ExpireSeconds is { } seconds ? now.AddSeconds(seconds) : null, null, now);
    }

    /// <summary>The session's sign-up page, which reads <c>sessionId</c> from the code's scene (≤ 32 characters).</summary>
    private static async Task<NewPosterCode> MiniProgramCodeAsync(
        long id, long activityId, long sessionId, WechatClients wechat, DateTimeOffset now, CancellationToken ct)
    {
        var page = MiniProgramPages.Session;
        var scene = $"{page.QueryKey}={sessionId.ToString(CultureInfo.InvariantCulture)}&c={id.ToString(CultureInfo.InvariantCulture)}";
        var client = wechat.MiniProgram;
        var image = await client.GetWxaCodeUnlimitAsync(new GetWxaCodeUnlimitRequest(scene, page.Path, Width: 1280), ct);
        return new NewPosterCode(id, client.AppId, "wxacode", activityId, sessionId, scene, null, null, page.Path, image.Content, null, null, now);
    }

    private static byte[] PrintPng(string url)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(url, QRCodeGenerator.ECCLevel.M);
        return new PngByteQRCode(data).GetGraphic(PrintPixelsPerModule);
    }

    private static PosterDto Dto(PosterCodeRow r) => new(
        r.Id, r.Kind, r.Kind switch { "qr_permanent" => "永久二维码", "qr_temporary" => "临时二维码", _ => "小程序码" },
        r.ActivityId, r.ActivityTitle, r.SessionId, r.SessionTitle, Utc(r.SessionStartsAt), r.Scene, r.Page, Utc(r.ExpiresAt), Utc(r.CreatedAt)!.Value,
        r.Scans, r.NewFollowers, $"/api/console/posters/{r.Id}/poster.png");

    private static DateTimeOffset? Utc(DateTime? value) => value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;

    private static ProblemHttpResult NotFound() => Problems.NotFound("没有找到该二维码");
}
