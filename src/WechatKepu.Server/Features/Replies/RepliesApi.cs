using Mapster;
using Microsoft.AspNetCore.Http.HttpResults;
using WechatKepu.Data.Callback;
using WechatKepu.Server.Features.Callback;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Replies;

public sealed record ReplyAccountDto(string AppId, string Name);

/// <summary>A keyword rule; <c>ReplyKind</c> text (<c>ReplyText</c>), image (<c>ImageId</c>, shown by <c>ImageUrl</c>) or news (<c>News</c>: one article).</summary>
public sealed record ReplyRuleDto(
    long Id, string Keyword, string MatchKind, string? ReplyText, int Priority, bool Enabled,
    DateTimeOffset? ActiveFrom, DateTimeOffset? ActiveUntil, DateTimeOffset UpdatedAt)
{
    public string ReplyKind { get; init; } = ReplyKinds.Text;

    public long? ImageId { get; init; }

    public string? ImageUrl { get; init; }

    public ReplyNews? News { get; init; }

    /// <summary>Why the rule never answers although enabled (a rule saved before command words were refused), else null.</summary>
    public string? NeverAnswers { get; init; }
}

/// <summary>A news reply's one article: title (≤ 64), description (≤ 120), link and picture (http(s)).</summary>
public sealed record ReplyNews(string? Title, string? Description, string? Url, string? PicUrl);

/// <summary>
/// A keyword rule as staff write it. <c>ReplyKind</c> (default text): text needs <c>ReplyText</c>; image needs
/// <c>ImageId</c> (an image uploaded through <c>POST /api/console/media</c> as a cover, so it has a media_id); news needs <c>News</c>.
/// </summary>
public sealed record ReplyRuleRequest(
    string? Keyword, string? MatchKind, string? ReplyText, int? Priority, bool? Enabled, DateTimeOffset? ActiveFrom, DateTimeOffset? ActiveUntil,
    string? ReplyKind = null, long? ImageId = null, ReplyNews? News = null);

public sealed record ReplySettingsDto(string? WelcomeText, string? DefaultText, string EffectiveWelcomeText, string EffectiveDefaultText);

public sealed record ReplySettingsRequest(string? WelcomeText, string? DefaultText);

/// <summary>
/// Staff manage an official account's keyword rules, welcome message and default reply under
/// <c>/api/console/replies</c>: any staff member reads, admins write (audited). Each write
/// invalidates the in-memory rules of every instance.
/// </summary>
public static class RepliesApi
{
    public static IEndpointRouteBuilder MapRepliesApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/console/replies").WithTags("Replies").RequireAuthorization(StaffPolicies.Viewer);
        read.MapGet("/accounts", Accounts);
        read.MapGet("/{appId}/rules", ListAsync);
        read.MapGet("/{appId}/settings", SettingsAsync);

        // The rules and texts answer every follower of the account: no one unit's to change.
        var write = app.MapGroup("/api/console/replies").WithTags("Replies").RequireAuthorization(StaffPolicies.Admin).RequireAntiforgeryToken()
            .AuditWrites("reply");
        write.MapPost("/{appId}/rules", CreateAsync);
        write.MapPut("/{appId}/rules/{id:long}", UpdateAsync);
        write.MapDelete("/{appId}/rules/{id:long}", DeleteAsync);
        write.MapPut("/{appId}/settings", SaveSettingsAsync);
        return app;
    }

    public static void Register(TypeAdapterConfig config) =>
        config.NewConfig<ReplyRuleRow, ReplyRuleDto>()
            .Map(d => d.ActiveFrom, s => Utc(s.ActiveFrom))
            .Map(d => d.ActiveUntil, s => Utc(s.ActiveUntil))
            .Map(d => d.UpdatedAt, s => Utc(s.UpdatedAt)!.Value)
            .Map(d => d.ImageId, s => s.MediaAssetId)
            .Map(d => d.ImageUrl, s => s.MediaUrl)
            .Map(d => d.News, s => s.NewsTitle == null ? null : new ReplyNews(s.NewsTitle, s.NewsDescription, s.NewsUrl, s.NewsPicUrl));

    public static Ok<ReplyAccountDto[]> Accounts(CallbackAccounts accounts) =>
        TypedResults.Ok(accounts.All.Select(a => new ReplyAccountDto(a.AppId, a.Options.Name)).OrderBy(a => a.AppId, StringComparer.Ordinal).ToArray());

    public static async Task<Results<Ok<List<ReplyRuleDto>>, ProblemHttpResult>> ListAsync(
        string appId, CallbackAccounts accounts, ReplyRuleStore store, IEnumerable<ICallbackCommand> commands, CancellationToken ct)
    {
        if (accounts.Find(appId) is null)
        {
            return UnknownAccount(appId);
        }

        var rules = (await store.ListAsync(appId, ct)).Adapt<List<ReplyRuleDto>>();
        return TypedResults.Ok(rules.Select(r => IsCommandWord(r.Keyword, commands) ? r with { NeverAnswers = CommandWordReason(r.Keyword) } : r).ToList());
    }

    private static bool IsCommandWord(string keyword, IEnumerable<ICallbackCommand> commands) =>
        commands.Any(c => c.Match(keyword) is not null);

    private static string CommandWordReason(string keyword) =>
        $"「{keyword}」是公众号的内置指令，粉丝发送它时总是收到系统回复，这条规则不会生效。请换一个关键词（发送「帮助」可查看全部内置指令）。";

    public static async Task<Results<Created<ReplyRuleDto>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        string appId, ReplyRuleRequest? request, CallbackAccounts accounts, ReplyRuleStore store, ReplyEngine engine,
        IEnumerable<ICallbackCommand> commands, Data.Broadcasts.ArticleStore media, TimeProvider clock, CancellationToken ct)
    {
        if (accounts.Find(appId) is null)
        {
            return UnknownAccount(appId);
        }

        var image = request?.ImageId is > 0 and var imageId ? await media.AssetAsync(imageId, ct) : null;
        var (input, errors) = Validate(request, commands, appId, image);
        if (input is null)
        {
            return Problems.Validation(errors.All);
        }

        var row = await store.CreateAsync(appId, input, clock.GetUtcNow(), ct);
        engine.Invalidate();
        return TypedResults.Created($"/api/console/replies/{appId}/rules/{row.Id}", row.Adapt<ReplyRuleDto>());
    }

    public static async Task<Results<Ok<ReplyRuleDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string appId, long id, ReplyRuleRequest? request, CallbackAccounts accounts, ReplyRuleStore store, ReplyEngine engine,
        IEnumerable<ICallbackCommand> commands, Data.Broadcasts.ArticleStore media, TimeProvider clock, CancellationToken ct)
    {
        if (accounts.Find(appId) is null)
        {
            return UnknownAccount(appId);
        }

        var image = request?.ImageId is > 0 and var imageId ? await media.AssetAsync(imageId, ct) : null;
        var (input, errors) = Validate(request, commands, appId, image);
        if (input is null)
        {
            return Problems.Validation(errors.All);
        }

        var row = await store.UpdateAsync(appId, id, input, clock.GetUtcNow(), ct);
        engine.Invalidate();
        return row is null ? UnknownRule(id) : TypedResults.Ok(row.Adapt<ReplyRuleDto>());
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string appId, long id, CallbackAccounts accounts, ReplyRuleStore store, ReplyEngine engine, CancellationToken ct)
    {
        if (accounts.Find(appId) is null)
        {
            return UnknownAccount(appId);
        }

        if (!await store.DeleteAsync(appId, id, ct))
        {
            return UnknownRule(id);
        }

        engine.Invalidate();
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<ReplySettingsDto>, ProblemHttpResult>> SettingsAsync(
        string appId, CallbackAccounts accounts, ReplyRuleStore store, CancellationToken ct)
    {
        if (accounts.Find(appId) is null)
        {
            return UnknownAccount(appId);
        }

        var row = await store.GetSettingsAsync(appId, ct);
        return TypedResults.Ok(SettingsDto(row?.WelcomeText, row?.DefaultText));
    }

    public static async Task<Results<Ok<ReplySettingsDto>, ValidationProblem, ProblemHttpResult>> SaveSettingsAsync(
        string appId, ReplySettingsRequest? request, CallbackAccounts accounts, ReplyRuleStore store, ReplyEngine engine, TimeProvider clock, CancellationToken ct)
    {
        if (accounts.Find(appId) is null)
        {
            return UnknownAccount(appId);
        }

        var errors = new Errors();
        if (request is null)
        {
            errors.Add("body", "请提交欢迎语和默认回复");
            return Problems.Validation(errors.All);
        }

        var welcome = ReplyText(errors, "welcomeText", request.WelcomeText, "欢迎语", required: false);
        var fallback = ReplyText(errors, "defaultText", request.DefaultText, "默认回复", required: false);
        if (errors.Any)
        {
            return Problems.Validation(errors.All);
        }

        var row = await store.SaveSettingsAsync(appId, welcome, fallback, clock.GetUtcNow(), ct);
        engine.Invalidate();
        return TypedResults.Ok(SettingsDto(row.WelcomeText, row.DefaultText));
    }

    private static ReplySettingsDto SettingsDto(string? welcome, string? fallback) =>
        new(welcome, fallback, welcome ?? CallbackDispatcher.DefaultWelcome, fallback ?? CallbackDispatcher.DefaultReply);

    private static (ReplyRuleInput? Input, Errors Errors) Validate(ReplyRuleRequest? request, IEnumerable<ICallbackCommand> commands, string appId,
        Data.Broadcasts.MediaAssetRow? image)
    {
        var errors = new Errors();
        if (request is null)
        {
            errors.Add("body", "请提交关键词规则");
            return (null, errors);
        }

        var keyword = errors.Text("keyword", request.Keyword, "关键词", 60);
        if (keyword is not null && IsCommandWord(keyword, commands))
        {
            // Commands are matched before keyword rules: such a rule would show as enabled and never answer.
            errors.Add("keyword", CommandWordReason(keyword));
        }

        var kind = request.MatchKind?.Trim().ToLowerInvariant();
        if (kind is not ("exact" or "contains"))
        {
            errors.Add("matchKind", "匹配方式须为 exact（完全匹配）或 contains（包含）");
        }

        // Each kind takes its own fields only: a rule never carries a text, an image and a card at once.
        var replyKind = request.ReplyKind?.Trim().ToLowerInvariant() ?? ReplyKinds.Text;
        string? reply = null;
        long? imageId = null;
        ReplyNews? news = null;
        switch (replyKind)
        {
            case ReplyKinds.Text:
                reply = ReplyText(errors, "replyText", request.ReplyText, "回复内容", required: true);
                break;
            case ReplyKinds.Image:
                if (image is not { Purpose: "cover", MediaId: not null } || image.AppId != appId)
                {
                    errors.Add("imageId", "请选择在本公众号上传的图片（上传后才有微信素材 ID）");
                }

                imageId = image?.Id;
                break;
            case ReplyKinds.News:
                news = new ReplyNews(
                    errors.Text("news.title", request.News?.Title, "图文标题", 64),
                    errors.Text("news.description", request.News?.Description, "图文摘要", 120, required: false),
                    errors.Url("news.url", request.News?.Url, "图文链接", 500),
                    errors.Url("news.picUrl", request.News?.PicUrl, "图片链接", 500, required: false));
                break;
            default:
                errors.Add("replyKind", "回复类型须为 text（文字）、image（图片）或 news（图文）");
                break;
        }

        if (replyKind != ReplyKinds.Text && !string.IsNullOrWhiteSpace(request.ReplyText))
        {
            errors.Add("replyText", "只有文字回复填写回复内容");
        }

        if (replyKind != ReplyKinds.Image && request.ImageId is not null)
        {
            errors.Add("imageId", "只有图片回复选择图片");
        }

        if (replyKind != ReplyKinds.News && request.News is not null)
        {
            errors.Add("news", "只有图文回复填写图文");
        }

        var priority = request.Priority ?? 0;
        if (priority is < -1000 or > 1000)
        {
            errors.Add("priority", "优先级须在 -1000 到 1000 之间");
        }

        if (request.ActiveFrom is { } from && request.ActiveUntil is { } until && until <= from)
        {
            errors.Add("activeUntil", "结束时间须晚于开始时间");
        }

        return errors.Any
            ? (null, errors)
            : (new ReplyRuleInput(keyword!, kind!, reply, priority, request.Enabled ?? true, request.ActiveFrom, request.ActiveUntil,
                replyKind, imageId, news?.Title, news?.Description, news?.Url, news?.PicUrl), errors);
    }

    /// <summary>Reply texts may hold line breaks (and mini-program links), unlike one-line fields.</summary>
    private static string? ReplyText(Errors errors, string field, string? value, string label, bool required)
    {
        var v = value?.Trim();
        if (string.IsNullOrEmpty(v))
        {
            if (required)
            {
                errors.Add(field, $"请填写{label}");
            }

            return null;
        }

        if (PassiveText.Bytes(v) is var bytes && bytes > PassiveText.MaxBytes)
        {
            errors.Add(field, $"{label}太长：微信自动回复最多 {PassiveText.MaxBytes} 字节（约 {PassiveText.MaxBytes / 3} 个汉字），现为 {bytes} 字节，超过后粉丝将收不到任何回复。请删减内容，或改为链接到小程序或文章。");
            return null;
        }

        if (v.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t'))
        {
            errors.Add(field, $"{label}含有无效字符");
            return null;
        }

        return v;
    }

    private static ProblemHttpResult UnknownAccount(string appId) =>
        Problems.NotFound("未知的公众号", $"没有配置 appId 为 {appId} 的公众号。");

    private static ProblemHttpResult UnknownRule(long id) => Problems.NotFound("关键词规则不存在", $"没有编号为 {id} 的规则。");

    private static DateTimeOffset? Utc(DateTime? value) =>
        value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
}
