using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Callback;
using WechatKepu.Server.Infrastructure;
using WechatKepu.Wechat.Crypto;
using WechatKepu.Wechat.Messages;

namespace WechatKepu.Server.Features.Callback;

/// <summary>
/// <c>/wechat/{appId}</c>: WeChat's URL verification (GET) and message push (POST) for each configured
/// official account, in plaintext, compatible and safe mode. Every check that can refuse a request runs
/// in memory before the database is touched.
/// </summary>
public static class CallbackApi
{
    public static IEndpointRouteBuilder MapCallbackApi(this IEndpointRouteBuilder app)
    {
        // Signed by WeChat and answered on its 5 s budget: none of the browser-facing middleware applies.
        var group = app.MapGroup("/wechat").WithTags("Callback").ExcludeFromDescription().RunsDirect();
        group.MapGet("/{appId}", Verify);
        group.MapPost("/{appId}", ReceiveAsync);
        return app;
    }

    /// <summary>URL verification: echo <c>echostr</c> when the signature is ours (in every mode).</summary>
    public static IResult Verify(string appId, HttpRequest request, CallbackAccounts accounts, TimeProvider clock, IOptions<CallbackOptions> options)
    {
        var started = Stopwatch.GetTimestamp();
        return CountRefusal(VerifyCore(appId, request, accounts, clock, options), started);
    }

    /// <summary>
    /// Callbacks skip the HTTP metrics (<see cref="DirectEndpoints"/>), so the callback histogram counts
    /// refusals too: kind <c>refused</c>, outcome the problem's code.
    /// </summary>
    private static IResult CountRefusal(IResult result, long started)
    {
        if (result is ProblemHttpResult { StatusCode: < 500 } problem
            && problem.ProblemDetails.Extensions.TryGetValue("code", out var code) && code is string name)
        {
            KepuMetrics.Callback("refused", name, Stopwatch.GetElapsedTime(started));
        }

        return result;
    }

    private static IResult VerifyCore(string appId, HttpRequest request, CallbackAccounts accounts, TimeProvider clock, IOptions<CallbackOptions> options)
    {
        var account = accounts.FindPush(appId);
        if (account is null)
        {
            return UnknownAccount(appId);
        }

        var q = request.Query;
        if (CheckSigned(account, q["timestamp"], q["nonce"], q["signature"], clock.GetUtcNow(), options.Value, out _) is { } rejected)
        {
            return rejected;
        }

        return string.IsNullOrEmpty(q["echostr"])
            ? Problems.Problem(400, "callback_echostr_missing", "缺少 echostr 参数")
            : Results.Text(q["echostr"].ToString(), "text/plain", Encoding.UTF8);
    }

    /// <summary>The metric label of a callback: its MsgType, or for events the event name (a small fixed set).</summary>
    private static string CallbackKind(WechatInboundMessage message) =>
        (message switch
        {
            WechatEvent { Event: { Length: > 0 and <= 40 } name } => "event:" + name,
            WechatUnknownMessage { Event: { Length: > 0 and <= 40 } name } => "event:" + name,
            _ => message.MsgType.Length <= 40 ? message.MsgType : "other",
        }).ToLowerInvariant();

    public static async Task<IResult> ReceiveAsync(
        string appId, HttpContext http, CallbackAccounts accounts, NonceCache nonces, CallbackProcessor processor,
        TimeProvider clock, IOptions<CallbackOptions> options, ILoggerFactory loggers)
    {
        var started = Stopwatch.GetTimestamp();
        return CountRefusal(await ReceiveCoreAsync(appId, http, accounts, nonces, processor, clock, options, loggers, started), started);
    }

    private static async Task<IResult> ReceiveCoreAsync(
        string appId, HttpContext http, CallbackAccounts accounts, NonceCache nonces, CallbackProcessor processor,
        TimeProvider clock, IOptions<CallbackOptions> options, ILoggerFactory loggers, long started)
    {
        var account = accounts.FindPush(appId);
        if (account is null)
        {
            return UnknownAccount(appId);
        }

        var settings = options.Value;
        var q = http.Request.Query;
        string? nonce = q["nonce"], timestampText = q["timestamp"];
        var now = clock.GetUtcNow();
        if (CheckSigned(account, timestampText, nonce, q["signature"], now, settings, out var timestamp) is { } rejected)
        {
            return rejected;
        }

        var encrypted = string.Equals(q["encrypt_type"], "aes", StringComparison.OrdinalIgnoreCase);
        if (!encrypted && account.Options.RefusesPlaintext)
        {
            return Problems.Problem(403, "callback_encryption_required", "该公众号只接受安全模式（加密）消息");
        }

        if (encrypted && account.Crypto is null)
        {
            return Problems.Problem(400, "callback_encryption_not_configured", "该公众号未配置 EncodingAESKey，无法解密消息");
        }

        var body = await ReadBodyAsync(http.Request, settings.MaxBodyBytes, http.RequestAborted);
        if (body is null)
        {
            return Problems.Problem(413, "callback_body_too_large", "消息体过大",
                $"消息体不能超过 {settings.MaxBodyBytes / 1024} KB。");
        }

        string xml;
        string msgSignature = q["msg_signature"].ToString();
        try
        {
            xml = encrypted ? account.Crypto!.DecryptMessage(msgSignature, timestampText, nonce, body) : body;
        }
        catch (WechatCryptoException ex)
        {
            // One answer for every decryption failure: telling which check failed would make a padding oracle.
            loggers.CreateLogger(typeof(CallbackApi)).LogWarning("Callback for {AppId} refused: {Error}", appId, ex.Error);
            return ex.Error == WechatCryptoError.InvalidSignature
                ? Problems.Problem(401, "callback_signature_invalid", "消息签名（msg_signature）校验失败")
                : Problems.Problem(400, "callback_decrypt_failed", "消息解密失败");
        }
        catch (WechatMessageFormatException ex)
        {
            return FormatProblem(ex);
        }

        // Plaintext mode only, after the signature, so unsigned junk cannot fill the cache: the signature does not
        // cover the body there, so the same timestamp and nonce with another body is refused. In encrypted modes
        // msg_signature covers the ciphertext and decryption checked our appId: such a body can only come from
        // WeChat (it needs the token and the key), and a retry WeChat re-signs with the same timestamp and nonce
        // but a freshly encrypted body goes on to the dedup table, which answers it with the stored reply.
        if (!encrypted && !nonces.TryRecord(appId, timestamp, nonce!, NonceCache.Fingerprint(body), now, settings.TimestampWindow))
        {
            return Problems.Problem(409, "callback_nonce_replayed", "请求已被使用（nonce 重复）");
        }

        WechatInboundMessage message;
        try
        {
            message = WechatInboundMessage.Parse(xml);
        }
        catch (WechatMessageFormatException ex)
        {
            return FormatProblem(ex);
        }

        string reply;
        try
        {
            reply = await processor.ProcessAsync(appId, message, xml, started);
        }
        catch (Exception ex)
        {
            // The claim could not be made (database down): WeChat retries, and a retry is safe.
            loggers.CreateLogger(typeof(CallbackApi)).LogError(ex, "Callback for {AppId} could not be processed", appId);
            KepuMetrics.Callback(CallbackKind(message), "unavailable", Stopwatch.GetElapsedTime(started));
            return Problems.Problem(503, "callback_unavailable", "服务暂时不可用，请稍后重试");
        }

        KepuMetrics.Callback(CallbackKind(message), reply == InboundStore.NoReply ? "no_reply" : "replied", Stopwatch.GetElapsedTime(started));

        if (reply == InboundStore.NoReply)
        {
            return Results.Text(InboundStore.NoReply, "text/plain", Encoding.UTF8);
        }

        if (encrypted)
        {
            reply = account.Crypto!.EncryptReply(reply, clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), nonce!);
        }

        return Results.Text(reply, "application/xml", Encoding.UTF8);
    }

    /// <summary>The checks GET and POST share: parameters present, timestamp inside the window, signature ours.</summary>
    private static IResult? CheckSigned(
        CallbackAccount account, string? timestampText, string? nonce, string? signature, DateTimeOffset now, CallbackOptions options, out long timestamp)
    {
        timestamp = 0;
        if (string.IsNullOrEmpty(nonce) || string.IsNullOrEmpty(signature)
            || !long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out timestamp))
        {
            return Problems.Problem(400, "callback_bad_request", "缺少或错误的 signature、timestamp、nonce 参数");
        }

        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp) > (long)options.TimestampWindow.TotalSeconds)
        {
            return Problems.Problem(401, "callback_timestamp_out_of_window", "请求时间戳超出允许范围",
                $"timestamp 与服务器时间相差超过 {(int)options.TimestampWindow.TotalSeconds} 秒。");
        }

        return WechatSignature.Verify(account.Options.Token, timestampText, nonce, signature)
            ? null
            : Problems.Problem(401, "callback_signature_invalid", "签名（signature）校验失败");
    }

    private static IResult FormatProblem(WechatMessageFormatException ex) => ex.Error switch
    {
        WechatMessageFormatError.DtdProhibited => Problems.Problem(400, "callback_dtd_prohibited", "消息中不允许 DTD 或实体声明"),
        WechatMessageFormatError.TooLarge => Problems.Problem(413, "callback_body_too_large", "消息体过大"),
        _ => Problems.Problem(400, "callback_malformed", "消息格式错误", ex.Message),
    };

    private static IResult UnknownAccount(string appId) =>
        Problems.NotFound("未知的公众号", $"没有配置 appId 为 {appId} 的公众号。");

    /// <summary>The body as UTF-8 text, or null when it is larger than <paramref name="maxBytes"/>.</summary>
    private static async Task<string?> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (buffer.Length > maxBytes)
            {
                reader.AdvanceTo(buffer.End);
                return null;
            }

            if (result.IsCompleted)
            {
                var text = Encoding.UTF8.GetString(buffer);
                reader.AdvanceTo(buffer.End);
                return text;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
