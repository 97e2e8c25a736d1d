using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Broadcasts;
using WechatKepu.Server.Features.Console;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Server.Infrastructure;
using WechatKepu.Wechat;
using WechatKepu.Wechat.Api;
using WechatKepu.Wechat.Api.Models.Draft;
using WechatKepu.Wechat.Api.Models.Material;

namespace WechatKepu.Server.Features.Broadcasts;

public sealed record MediaAssetDto(long Id, string AppId, string Purpose, string Url, bool Permanent, string FileName, string ContentType, int SizeBytes,
    string CreatedByName, DateTimeOffset CreatedAt);

/// <summary>An article (图文) to keep as a draft: <c>coverId</c> names an uploaded cover, <c>content</c> is HTML whose images are uploaded body images.</summary>
public sealed record ArticleRequest(
    string? AppId, string? Title, string? Author, string? Digest, string? Content, string? ContentSourceUrl, long? CoverId, bool? NeedOpenComment);

public sealed record ArticleDto(
    long Id, string AppId, string Title, string? Author, string? Digest, string Content, string? ContentSourceUrl, long CoverId, string CoverUrl,
    bool NeedOpenComment, string PublishStatus, string? PublishError, string? PublishedUrl, DateTimeOffset? PublishedAt, string CreatedByName,
    DateTimeOffset CreatedAt);

/// <summary>
/// Images and articles for 图文 and image broadcasts. <c>POST /api/console/media</c> takes one JPG or PNG
/// (multipart field <c>file</c>, <c>purpose</c> body | cover), checked by its bytes and size before WeChat sees it:
/// a body image goes to media/uploadimg (≤ 1 MB, a URL for the article's HTML), a cover to material/add_material
/// (≤ 10 MB, a permanent media_id). Articles are checked against WeChat's limits, put into the draft box with
/// draft/add and kept here; an admin publishes one with freepublish/submit, and PUBLISHJOBFINISH settles it.
/// </summary>
public static partial class ArticlesApi
{
    public const int BodyImageLimit = 1024 * 1024;
    public const int CoverImageLimit = 10 * 1024 * 1024;

    public static void MapArticlesApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/console").WithTags("Console").RequireAuthorization(StaffPolicies.Viewer);
        read.MapGet("/media", ListMediaAsync);
        read.MapGet("/articles", ListAsync);
        read.MapGet("/articles/{id:long}", GetAsync);
        var write = app.MapGroup("/api/console").WithTags("Console").RequireAuthorization(StaffPolicies.Organiser).RequireAntiforgeryToken();
        write.MapPost("/media", UploadAsync).WithSummary("Uploads a JPG or PNG to WeChat: purpose body (media/uploadimg) or cover (material/add_material)")
            .DisableAntiforgery();
        write.MapPost("/articles", CreateAsync).WithSummary("Checks an article against WeChat's limits and keeps it as a draft (draft/add)");
        app.MapGroup("/api/console").WithTags("Console").RequireAuthorization(StaffPolicies.Admin).RequireAntiforgeryToken()
            .MapPost("/articles/{id:long}/publish", PublishAsync).WithSummary("Publishes the draft (freepublish/submit); PUBLISHJOBFINISH settles it");
    }

    internal static MediaAssetDto Dto(MediaAssetRow m) => new(m.Id, m.AppId, m.Purpose, m.Url, m.MediaId is not null, m.FileName, m.ContentType,
        m.SizeBytes, m.CreatedByName, Utc(m.CreatedAt));

    internal static ArticleDto Dto(ArticleRow a) => new(a.Id, a.AppId, a.Title, a.Author, a.Digest, a.Content, a.ContentSourceUrl, a.CoverId,
        a.CoverUrl, a.NeedOpenComment, a.PublishStatus, a.PublishError, a.PublishedUrl, a.PublishedAt is { } p ? Utc(p) : null, a.CreatedByName,
        Utc(a.CreatedAt));

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));

    /// <summary>The format of an image by its first bytes (what WeChat checks too), whatever its name says.</summary>
    internal static string? ImageType(ReadOnlySpan<byte> bytes) => bytes switch
    {
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, ..] => "image/png",
        _ => null,
    };

    /// <summary>The official account a request names, or the first configured one; null when it names one that is not configured.</summary>
    internal static string? AccountOf(string? requested, WechatOptions wechat) =>
        requested?.Trim() is { Length: > 0 } a ? wechat.OfficialAccounts.Any(x => x.AppId == a) ? a : null : wechat.OfficialAccounts.FirstOrDefault()?.AppId;

    /// <summary>WeChat refused or could not be reached: 502 with its reason in Chinese, nothing written.</summary>
    internal static ProblemHttpResult Refused(string title, WechatApiException e) =>
        Problems.Problem(StatusCodes.Status502BadGateway, "wechat_refused", title,
            e.IsTransport ? "暂时连不上微信，请稍后再试。" : $"{WechatErrors.Describe(e.Errcode).Reason}（错误码 {e.Errcode}）");

    private static async Task<Ok<List<MediaAssetDto>>> ListMediaAsync(string? appId, string? purpose, ArticleStore store, IOptions<WechatOptions> wechat,
        CancellationToken ct) =>
        TypedResults.Ok(AccountOf(appId, wechat.Value) is { } app
            ? (await store.AssetsAsync(app, purpose is "body" or "cover" ? purpose : null, ct)).Select(Dto).ToList()
            : []);

    private static async Task<Results<Created<MediaAssetDto>, ValidationProblem, ProblemHttpResult>> UploadAsync(
        HttpContext http, ArticleStore store, WechatClients clients, IOptions<WechatOptions> wechat, TimeProvider clock, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["file"] = ["请以 multipart/form-data 上传图片（字段 file）"] });
        }

        if (http.Request.ContentLength > CoverImageLimit + 64 * 1024)
        {
            return TooLarge(CoverImageLimit);
        }

        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(ct);
        }
        catch (InvalidDataException)
        {
            return TooLarge(CoverImageLimit);
        }

        var purpose = form["purpose"].ToString();
        var appId = AccountOf(form["appId"].ToString(), wechat.Value);
        var errors = new Errors();
        if (purpose is not ("body" or "cover"))
        {
            errors.Add("purpose", "用途须为 body（正文图片）或 cover（封面或图片群发）");
        }

        if (appId is null)
        {
            errors.Add("appId", "请选择已配置的公众号");
        }

        var file = form.Files.GetFile("file");
        if (file is null || file.Length == 0)
        {
            errors.Add("file", "请选择要上传的图片");
        }

        if (errors.Any)
        {
            return Problems.Validation(errors.All);
        }

        var limit = purpose == "body" ? BodyImageLimit : CoverImageLimit;
        if (file!.Length > limit)
        {
            return TooLarge(limit);
        }

        var bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(bytes, ct);
        }

        if (ImageType(bytes) is not { } contentType)
        {
            return Problems.Problem(StatusCodes.Status400BadRequest, "media_type", "只能上传 JPG 或 PNG 图片",
                $"“{file.FileName}”不是 JPG 或 PNG 图片（按文件内容判断，与扩展名无关）。");
        }

        var fileName = Path.GetFileName(file.FileName) is { Length: > 0 and <= 200 } n ? n : (contentType == "image/png" ? "image.png" : "image.jpg");
        var upload = new MediaUpload(fileName, contentType, bytes);
        var client = clients.ForOfficialAccount(appId!);
        string url;
        string? mediaId = null;
        try
        {
            if (purpose == "body")
            {
                url = (await client.UploadArticleImageAsync(upload, ct)).Url;
            }
            else
            {
                var material = await client.AddImageMaterialAsync(upload, ct);
                (mediaId, url) = (material.MediaId, material.Url ?? "");
            }
        }
        catch (WechatApiException e)
        {
            return Refused("微信没有接收这张图片", e);
        }

        var id = await store.AddAssetAsync(new NewMediaAsset(appId!, purpose, mediaId, url, fileName, contentType, bytes.Length), http.User.Actor(),
            clock.GetUtcNow(), ct);
        return TypedResults.Created($"/api/console/media/{id}", Dto((await store.AssetAsync(id, ct))!));
    }

    private static ProblemHttpResult TooLarge(int limit) =>
        Problems.Problem(StatusCodes.Status413PayloadTooLarge, "media_too_large", "图片太大",
            $"这类图片微信最多接收 {limit / 1024 / 1024} MB，请压缩后再上传。");

    private static async Task<Ok<List<ArticleDto>>> ListAsync(ArticleStore store, CancellationToken ct) =>
        TypedResults.Ok((await store.ArticlesAsync(ct)).Select(Dto).ToList());

    private static async Task<Results<Ok<ArticleDto>, ProblemHttpResult>> GetAsync(long id, ArticleStore store, CancellationToken ct) =>
        await store.ArticleAsync(id, ct) is { } a ? TypedResults.Ok(Dto(a)) : Problems.NotFound("没有找到该图文");

    [GeneratedRegex("""<img\b[^>]*?\bsrc\s*=\s*["']([^"']*)["']""", RegexOptions.IgnoreCase)]
    private static partial Regex ImageSources();

    [GeneratedRegex("""<\s*script\b|\bon[a-z]+\s*=|javascript:""", RegexOptions.IgnoreCase)]
    private static partial Regex Scripts();

    private static async Task<Results<Created<ArticleDto>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        ArticleRequest? r, HttpContext http, ArticleStore store, WechatClients clients, IOptions<WechatOptions> wechat, TimeProvider clock,
        CancellationToken ct)
    {
        var errors = new Errors();
        var appId = AccountOf(r?.AppId, wechat.Value);
        if (appId is null)
        {
            errors.Add("appId", "请选择已配置的公众号");
        }

        // WeChat's limits for draft/add, said in Chinese before WeChat would refuse them (45003, 45110, 45004).
        var title = errors.Text("title", r?.Title, "标题", 32);
        var author = errors.Text("author", r?.Author, "作者", 16, required: false);
        var digest = errors.Text("digest", r?.Digest, "摘要", 128, required: false);
        var content = r?.Content?.Trim();
        if (string.IsNullOrEmpty(content))
        {
            errors.Add("content", "请填写正文");
        }
        else if (content.Length >= 20_000 || System.Text.Encoding.UTF8.GetByteCount(content) >= 1024 * 1024)
        {
            errors.Add("content", "正文须少于 2 万字（微信的限制）");
        }
        else if (Scripts().IsMatch(content))
        {
            errors.Add("content", "正文不能含脚本（微信会去掉）");
        }

        var source = errors.Url("contentSourceUrl", r?.ContentSourceUrl, "原文链接", 500, required: false);

        var cover = r?.CoverId is > 0 and var coverId ? await store.AssetAsync(coverId, ct) : null;
        if (cover is not { Purpose: "cover" } || cover.AppId != appId)
        {
            errors.Add("coverId", "请选择已上传的封面图片");
        }

        if (errors.Any)
        {
            return Problems.Validation(errors.All);
        }

        // WeChat drops images from elsewhere: every image must be one uploaded for this account's articles.
        var sources = ImageSources().Matches(content!).Select(m => m.Groups[1].Value).ToList();
        if (await store.ForeignImagesAsync(appId!, sources, ct) is { Count: > 0 } foreign)
        {
            return Problems.Validation(new Dictionary<string, string[]>
            {
                ["content"] = [$"正文里有 {foreign.Count} 张图片不是通过“上传正文图片”上传的，微信会把它们去掉：{string.Join("、", foreign.Take(3))}"],
            });
        }

        DraftAddResponse draft;
        try
        {
            draft = await clients.ForOfficialAccount(appId!).AddDraftAsync(new DraftAddRequest([
                new DraftArticle(title!, content!, cover!.MediaId!, author, digest, source, r!.NeedOpenComment == true ? 1 : 0),
            ]), ct);
        }
        catch (WechatApiException e)
        {
            return Refused("微信没有保存这篇图文", e);
        }

        var id = await store.AddArticleAsync(new NewArticle(appId!, title!, author, digest, content!, source, cover.Id, r.NeedOpenComment == true,
            draft.MediaId), http.User.Actor(), clock.GetUtcNow(), ct);
        return TypedResults.Created($"/api/console/articles/{id}", Dto((await store.ArticleAsync(id, ct))!));
    }

    private static async Task<Results<Ok<ArticleDto>, ProblemHttpResult>> PublishAsync(
        long id, HttpContext http, ArticleStore store, WechatClients clients, TimeProvider clock, CancellationToken ct)
    {
        if (await store.ArticleAsync(id, ct) is not { } a)
        {
            return Problems.NotFound("没有找到该图文");
        }

        if (a.PublishStatus is not (PublishStatus.None or PublishStatus.Failed))
        {
            return Problems.Problem(StatusCodes.Status409Conflict, "already_published", "该图文已在发布或已发布");
        }

        string publishId;
        try
        {
            publishId = (await clients.ForOfficialAccount(a.AppId).SubmitPublishAsync(a.DraftMediaId, ct)).PublishId;
        }
        catch (WechatApiException e)
        {
            if (!e.IsTransport)
            {
                await store.RecordPublishRefusedAsync(id, WechatErrors.Describe(e.Errcode).Reason, clock.GetUtcNow(), ct);
            }

            return Refused("微信没有发布这篇图文", e);
        }

        if (!await store.StartPublishAsync(id, publishId, http.User.Actor(), clock.GetUtcNow(), ct))
        {
            return Problems.Problem(StatusCodes.Status409Conflict, "already_published", "该图文已在发布或已发布");
        }

        return TypedResults.Ok(Dto((await store.ArticleAsync(id, ct))!));
    }
}
