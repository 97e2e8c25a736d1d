using System.Net.Http.Headers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Flurl.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WechatKepu.Wechat.Api.Models.Custom;
using WechatKepu.Wechat.Api.Models.Mass;
using WechatKepu.Wechat.Api.Models.Menu;
using WechatKepu.Wechat.Api.Models.Qrcode;
using WechatKepu.Wechat.Api.Models.Security;
using WechatKepu.Wechat.Api.Models.Sns;
using WechatKepu.Wechat.Api.Models.Subscribe;
using WechatKepu.Wechat.Api.Models.Tags;
using WechatKepu.Wechat.Api.Models.Template;
using WechatKepu.Wechat.Api.Models.Token;
using WechatKepu.Wechat.Api.Models.User;
using WechatKepu.Wechat.Api.Models.Wxa;
using WechatKepu.Wechat.Tokens;

namespace WechatKepu.Wechat.Api;

/// <summary>
/// Typed client for one WeChat account (official account or mini-program). Every call goes through one
/// send path that adds the shared access token, reads WeChat's <c>errcode</c> and throws
/// <see cref="WechatApiException"/> for anything but 0. A call is retried once, and only when WeChat
/// rejected the token (the call was not carried out); nothing else is retried here, since a resent
/// message can reach the user twice.
/// </summary>
public sealed partial class WechatApiClient : IStableTokenFetcher
{
    /// <summary>snake_case names are spelled out on each model; nulls are left out because WeChat treats a
    /// present-but-null field differently from an absent one; Chinese text is sent as UTF-8, not \u escapes.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json") { CharSet = "utf-8" };

    private readonly IFlurlClient _http;
    private readonly WechatAccount _account;
    private readonly IAccessTokenSource _tokens;

    /// <summary>
    /// A client whose token is shared through <paramref name="tokenStore"/> (PostgreSQL in production, so
    /// every backend instance uses and refreshes the same token). <see cref="Tokens"/> is its provider.
    /// </summary>
    /// <param name="http">Base URL <c>https://api.weixin.qq.com</c>, or the simulator's. Its timeout is the call timeout.</param>
    public WechatApiClient(
        IFlurlClient http,
        WechatAccount account,
        IAccessTokenStore tokenStore,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        AccessTokenOptions? tokenOptions = null)
    {
        _http = http;
        _account = account;
        Tokens = new AccessTokenProvider(account.AppId, this, tokenStore, timeProvider ?? TimeProvider.System,
            (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<AccessTokenProvider>(), tokenOptions);
        _tokens = Tokens;
    }

    public string AppId => _account.AppId;

    /// <summary>This client's access-token provider.</summary>
    public AccessTokenProvider Tokens { get; }

    /// <summary>Fetches the account's stable access token. Normally you want <see cref="Tokens"/> instead.</summary>
    /// <remarks>[POST] /cgi-bin/stable_token (no access token). Without <paramref name="forceRefresh"/> every caller
    /// gets the same token until it nears expiry; with it the old token dies at once (limited to ~20 a day, 30 s apart).</remarks>
    public Task<StableTokenResponse> GetStableTokenAsync(bool forceRefresh = false, CancellationToken cancellationToken = default) =>
        PostAsync<StableTokenResponse>("/cgi-bin/stable_token",
            new StableTokenRequest(_account.AppId, _account.Secret, forceRefresh), cancellationToken, withToken: false);

    /// <summary>Sends an official-account template message.</summary>
    /// <remarks>[POST] /cgi-bin/message/template/send. Set <see cref="TemplateSendRequest.ClientMsgId"/> so a resend is deduplicated.</remarks>
    public Task<TemplateSendResponse> SendTemplateMessageAsync(TemplateSendRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<TemplateSendResponse>("/cgi-bin/message/template/send", request, cancellationToken);

    /// <summary>Sends a mini-program subscribe message; each one-time grant allows exactly one.</summary>
    /// <remarks>[POST] /cgi-bin/message/subscribe/send. 43101 when the user has no grant left. The answer's msgid is
    /// what the subscribe_msg_sent_event receipt carries.</remarks>
    public Task<SubscribeSendResponse> SendSubscribeMessageAsync(SubscribeSendRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<SubscribeSendResponse>("/cgi-bin/message/subscribe/send", request, cancellationToken);

    /// <summary>Sends an official-account subscribe notice.</summary>
    /// <remarks>[POST] /cgi-bin/message/subscribe/bizsend. 43101 when the user has no grant.</remarks>
    public Task<WechatResponse> SendSubscribeNoticeAsync(SubscribeBizSendRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<WechatResponse>("/cgi-bin/message/subscribe/bizsend", request, cancellationToken);

    /// <summary>Sends a customer-service message (text, news or mini-program card).</summary>
    /// <remarks>[POST] /cgi-bin/message/custom/send. Only within 48 h of the user's last message (45015 otherwise).</remarks>
    public Task<WechatResponse> SendCustomMessageAsync(CustomSendRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<WechatResponse>("/cgi-bin/message/custom/send", request, cancellationToken);

    /// <summary>Mass-sends to all followers or to one tag.</summary>
    /// <remarks>[POST] /cgi-bin/message/mass/sendall. A repeated clientmsgid throws <see cref="WechatErrorKind.AlreadySent"/>
    /// with <see cref="WechatApiException.ExistingMsgId"/>.</remarks>
    public Task<MassSendResponse> MassSendAllAsync(MassSendAllRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<MassSendResponse>("/cgi-bin/message/mass/sendall", request, cancellationToken);

    /// <summary>Mass-sends to 2 to 10,000 openids.</summary>
    /// <remarks>[POST] /cgi-bin/message/mass/send. clientmsgid dedup as for sendall.</remarks>
    public Task<MassSendResponse> MassSendAsync(MassSendRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<MassSendResponse>("/cgi-bin/message/mass/send", request, cancellationToken);

    /// <summary>Shows a mass message to one follower before it goes out.</summary>
    /// <remarks>[POST] /cgi-bin/message/mass/preview.</remarks>
    public Task<MassSendResponse> MassPreviewAsync(MassPreviewRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<MassSendResponse>("/cgi-bin/message/mass/preview", request, cancellationToken);

    /// <summary>Reads a mass message's status.</summary>
    /// <remarks>[POST] /cgi-bin/message/mass/get.</remarks>
    public Task<MassGetResponse> MassGetAsync(string msgId, CancellationToken cancellationToken = default) =>
        PostAsync<MassGetResponse>("/cgi-bin/message/mass/get", new MassGetRequest(msgId), cancellationToken);

    /// <summary>Deletes a sent mass message (or one of its articles) from followers' history.</summary>
    /// <remarks>[POST] /cgi-bin/message/mass/delete.</remarks>
    public Task<WechatResponse> MassDeleteAsync(MassDeleteRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<WechatResponse>("/cgi-bin/message/mass/delete", request, cancellationToken);

    /// <summary>Reads one user's follow state, unionid and tags.</summary>
    /// <remarks>[GET] /cgi-bin/user/info?openid=&amp;lang=.</remarks>
    public Task<UserInfoResponse> GetUserInfoAsync(string openId, string lang = "zh_CN", CancellationToken cancellationToken = default) =>
        GetAsync<UserInfoResponse>("/cgi-bin/user/info", [new("openid", openId), new("lang", lang)], cancellationToken);

    /// <summary>Reads up to 100 users at once.</summary>
    /// <remarks>[POST] /cgi-bin/user/info/batchget.</remarks>
    public Task<UserInfoBatchGetResponse> BatchGetUserInfoAsync(UserInfoBatchGetRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<UserInfoBatchGetResponse>("/cgi-bin/user/info/batchget", request, cancellationToken);

    /// <summary>Lists follower openids, 10,000 a page; pass the previous page's next_openid to go on.</summary>
    /// <remarks>[GET] /cgi-bin/user/get?next_openid=.</remarks>
    public Task<UserGetResponse> GetFollowersAsync(string? nextOpenId = null, CancellationToken cancellationToken = default) =>
        GetAsync<UserGetResponse>("/cgi-bin/user/get", nextOpenId is null ? [] : [new("next_openid", nextOpenId)], cancellationToken);

    /// <summary>Creates a follower tag.</summary>
    /// <remarks>[POST] /cgi-bin/tags/create.</remarks>
    public Task<TagCreateResponse> CreateTagAsync(string name, CancellationToken cancellationToken = default) =>
        PostAsync<TagCreateResponse>("/cgi-bin/tags/create", new TagCreateRequest(new TagName(name)), cancellationToken);

    /// <summary>Lists the account's tags with their follower counts.</summary>
    /// <remarks>[GET] /cgi-bin/tags/get.</remarks>
    public Task<TagGetResponse> GetTagsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<TagGetResponse>("/cgi-bin/tags/get", [], cancellationToken);

    /// <summary>Puts a tag on up to 50 followers.</summary>
    /// <remarks>[POST] /cgi-bin/tags/members/batchtagging.</remarks>
    public Task<WechatResponse> BatchTagAsync(TagMembersRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<WechatResponse>("/cgi-bin/tags/members/batchtagging", request, cancellationToken);

    /// <summary>Takes a tag off up to 50 followers.</summary>
    /// <remarks>[POST] /cgi-bin/tags/members/batchuntagging.</remarks>
    public Task<WechatResponse> BatchUntagAsync(TagMembersRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<WechatResponse>("/cgi-bin/tags/members/batchuntagging", request, cancellationToken);

    /// <summary>Lists the followers with a tag, 10,000 a page.</summary>
    /// <remarks>[POST] /cgi-bin/user/tag/get.</remarks>
    public Task<OpenIdPage> GetTagFollowersAsync(UserTagGetRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<OpenIdPage>("/cgi-bin/user/tag/get", request, cancellationToken);

    /// <summary>Exchanges a mini-program <c>wx.login</c> code for the user's openid and session key.</summary>
    /// <remarks>[GET] /sns/jscode2session?appid=&amp;secret=&amp;js_code=&amp;grant_type=authorization_code (no access token).
    /// A code is single-use and lives 5 minutes: 40029 invalid, 40163 used (<see cref="WechatErrorKind.LoginCode"/>).</remarks>
    public Task<Code2SessionResponse> Code2SessionAsync(string jsCode, CancellationToken cancellationToken = default) =>
        SendAsync<Code2SessionResponse>(new Call(HttpMethod.Get, "/sns/jscode2session", null, WithToken: false,
            [new("appid", _account.AppId), new("secret", _account.Secret), new("js_code", jsCode),
                new("grant_type", "authorization_code")]), cancellationToken).ContinueWithJson();

    /// <summary>Checks user-written text (version 2).</summary>
    /// <remarks>[POST] /wxa/msg_sec_check. Success only means the check ran: read <see cref="MsgSecCheckResponse.Result"/>.</remarks>
    public Task<MsgSecCheckResponse> MsgSecCheckAsync(MsgSecCheckRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<MsgSecCheckResponse>("/wxa/msg_sec_check", request, cancellationToken);

    /// <summary>Makes a mini-program code for a scene (unlimited number of codes).</summary>
    /// <remarks>[POST] /wxa/getwxacodeunlimit. WeChat answers with the image, or with JSON on error.</remarks>
    public async Task<WxaCodeImage> GetWxaCodeUnlimitAsync(GetWxaCodeUnlimitRequest request, CancellationToken cancellationToken = default)
    {
        var reply = await SendAsync<WechatResponse>(
            new Call(HttpMethod.Post, "/wxa/getwxacodeunlimit", request, WithToken: true), cancellationToken);
        return reply.Image ?? throw new WechatApiException(WechatErrors.SystemBusy, "expected an image, got JSON",
            "/wxa/getwxacodeunlimit", WechatErrorKind.Other);
    }

    /// <summary>Replaces the account's custom menu (it reaches followers within about five minutes).</summary>
    /// <remarks>[POST] /cgi-bin/menu/create. 40016 button count, 40017 button type, 40018 name size, 40019 key size,
    /// 40023 sub-button count, 40025 sub-button name size…: WeChat checks the whole menu and keeps the old one on any error.</remarks>
    public Task<WechatResponse> CreateMenuAsync(MenuCreateRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<WechatResponse>("/cgi-bin/menu/create", request, cancellationToken);

    /// <summary>Reads the custom menu created through the API.</summary>
    /// <remarks>[GET] /cgi-bin/menu/get. 46003 when the account has no menu.</remarks>
    public Task<MenuGetResponse> GetMenuAsync(CancellationToken cancellationToken = default) =>
        GetAsync<MenuGetResponse>("/cgi-bin/menu/get", [], cancellationToken);

    /// <summary>Deletes the custom menu (and the conditional menus with it).</summary>
    /// <remarks>[GET] /cgi-bin/menu/delete.</remarks>
    public Task<WechatResponse> DeleteMenuAsync(CancellationToken cancellationToken = default) =>
        GetAsync<WechatResponse>("/cgi-bin/menu/delete", [], cancellationToken);

    /// <summary>Creates a parametric QR code; scanning it sends subscribe (EventKey <c>qrscene_</c>+scene) or SCAN.</summary>
    /// <remarks>[POST] /cgi-bin/qrcode/create. Answers ticket, expire_seconds (temporary codes only) and url.</remarks>
    public Task<QrCodeCreateResponse> CreateQrCodeAsync(QrCodeCreateRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<QrCodeCreateResponse>("/cgi-bin/qrcode/create", request, cancellationToken);

    /// <summary>The image of a QR code ticket (430×430 pixels as WeChat draws it).</summary>
    /// <remarks>[GET] https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket= (no access token; another host than the API's,
    /// except against the simulator, which serves both). An unknown or expired ticket is not an image: a transport error.</remarks>
    public async Task<WxaCodeImage> ShowQrCodeAsync(string ticket, CancellationToken cancellationToken = default)
    {
        var reply = await SendAsync<WechatResponse>(
            new Call(HttpMethod.Get, ShowQrCodeBase(_http.BaseUrl) + ShowQrCodePath, null, WithToken: false, [new("ticket", ticket)]),
            cancellationToken);
        return reply.Image ?? throw new WechatApiException(reply.Json?.Errcode is { } e and not 0 ? e : WechatErrors.SystemBusy,
            "expected an image, got JSON", ShowQrCodePath, WechatErrorKind.Other);
    }

    private const string ShowQrCodePath = "/cgi-bin/showqrcode";

    /// <summary>showqrcode lives on mp.weixin.qq.com; a base URL other than WeChat's own (the simulator) serves it itself.</summary>
    internal static string ShowQrCodeBase(string? apiBaseUrl) =>
        apiBaseUrl is null || Uri.TryCreate(apiBaseUrl, UriKind.Absolute, out var uri) && uri.Host == "api.weixin.qq.com"
            ? "https://mp.weixin.qq.com"
            : apiBaseUrl.TrimEnd('/');

    private Task<T> PostAsync<T>(string path, object body, CancellationToken cancellationToken, bool withToken = true)
        where T : WechatResponse =>
        SendAsync<T>(new Call(HttpMethod.Post, path, body, withToken), cancellationToken).ContinueWithJson();

    private Task<T> GetAsync<T>(string path, KeyValuePair<string, string>[] query, CancellationToken cancellationToken)
        where T : WechatResponse =>
        SendAsync<T>(new Call(HttpMethod.Get, path, null, WithToken: true, query), cancellationToken).ContinueWithJson();

    /// <summary>
    /// The one send path: token, HTTP, errcode. A rejected token is reported to the provider and the call is
    /// made once more with the next token, which is safe because WeChat did not carry out the first call.
    /// </summary>
    private async Task<Reply<T>> SendAsync<T>(Call call, CancellationToken cancellationToken) where T : WechatResponse
    {
        for (var attempt = 0; ; attempt++)
        {
            var token = call.WithToken ? await _tokens.GetTokenAsync(cancellationToken) : null;
            var reply = await SendOnceAsync<T>(call, token, cancellationToken);
            if (reply.Json is not { Errcode: not 0 } failed)
            {
                return reply;
            }

            var kind = WechatErrors.Classify(failed.Errcode);
            if (kind == WechatErrorKind.Token && token is not null && attempt == 0)
            {
                await _tokens.TokenRejectedAsync(token, cancellationToken);
                continue;
            }

            throw new WechatApiException(failed.Errcode, failed.Errmsg, call.Path, kind, response: reply.Raw);
        }
    }

    private async Task<Reply<T>> SendOnceAsync<T>(Call call, string? token, CancellationToken cancellationToken)
        where T : WechatResponse
    {
        var request = _http.Request(call.Path.TrimStart('/')).AllowAnyHttpStatus();
        if (token is not null)
        {
            request.SetQueryParam("access_token", token);
        }

        foreach (var (name, value) in call.Query ?? [])
        {
            request.SetQueryParam(name, value);
        }

        HttpContent? content = null;
        if (call.Body is Models.Material.MediaUpload upload)
        {
            // Built again for each attempt: a token retry sends a fresh body.
            content = upload.ToContent();
        }
        else if (call.Body is not null)
        {
            content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(call.Body, call.Body.GetType(), JsonOptions));
            content.Headers.ContentType = JsonContentType;
        }

        byte[] body;
        string? mediaType;
        try
        {
            using var response = await request.SendAsync(call.Method, content, HttpCompletionOption.ResponseContentRead, cancellationToken);
            if (response.StatusCode != 200)
            {
                throw Transport(call, $"HTTP {response.StatusCode}", null);
            }

            mediaType = response.ResponseMessage.Content.Headers.ContentType?.MediaType;
            body = await response.ResponseMessage.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        catch (Exception e) when (e is not WechatApiException && !cancellationToken.IsCancellationRequested)
        {
            // Flurl's own message holds the URL, and with it the access token: keep only the cause below it.
            var reason = e is FlurlHttpTimeoutException ? "timeout" : "connection failed";
            throw Transport(call, reason, e.InnerException is { } inner and not FlurlHttpException ? inner : null);
        }

        if (mediaType is not null && mediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
        {
            return new Reply<T>(null, null, new WxaCodeImage(body, mediaType));
        }

        try
        {
            var json = JsonSerializer.Deserialize<T>(body, JsonOptions)
                ?? throw new JsonException("null answer");
            var raw = json.Errcode != 0 ? JsonSerializer.Deserialize<JsonElement>(body) : (JsonElement?)null;
            return new Reply<T>(json, raw, null);
        }
        catch (JsonException e)
        {
            throw Transport(call, "answer is not WeChat JSON", e);
        }
    }

    private static WechatApiException Transport(Call call, string reason, Exception? inner) =>
        new(WechatApiException.TransportErrcode, reason, call.Path, WechatErrorKind.Retryable, isTransport: true, innerException: inner);

    private readonly record struct Call(
        HttpMethod Method, string Path, object? Body, bool WithToken, KeyValuePair<string, string>[]? Query = null);

    internal readonly record struct Reply<T>(T? Json, JsonElement? Raw, WxaCodeImage? Image) where T : WechatResponse;
}

internal static class ReplyExtensions
{
    public static async Task<T> ContinueWithJson<T>(this Task<WechatApiClient.Reply<T>> reply) where T : WechatResponse =>
        (await reply).Json ?? throw new WechatApiException(WechatErrors.SystemBusy, "expected JSON, got an image", "", WechatErrorKind.Other);
}
