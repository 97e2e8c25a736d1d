using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using WechatKepu.Wechat.Crypto;
using WechatKepu.Wechat.Messages;

namespace WechatKepu.Simulator.Platform;

/// <summary>How WeChat delivers callbacks to an account (set in the account's admin console).</summary>
public enum CallbackMode
{
    Plaintext,

    /// <summary>The plain fields and <c>&lt;Encrypt&gt;</c> in one body.</summary>
    Compatible,

    /// <summary>Only <c>ToUserName</c> and <c>&lt;Encrypt&gt;</c>.</summary>
    Safe,
}

/// <summary>An official account as the platform knows it: what it signs and encrypts with.</summary>
/// <param name="OriginalId">The account's original id (gh_…), the ToUserName of every message.</param>
public sealed record PlatformAccount(string AppId, string Token, string? EncodingAesKey = null, string OriginalId = "gh_kepu000000001");

public sealed class PlatformOptions
{
    /// <summary>WeChat gives up on a try after 5 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Tries in all (WeChat: 3).</summary>
    public int Attempts { get; set; } = 3;
}

/// <summary>One signed request, before it is sent.</summary>
public sealed record PlatformRequest(string PathAndQuery, string Body, string Timestamp, string Nonce);

/// <summary>The backend's answer to a callback, verified and decrypted.</summary>
/// <param name="Body">The raw response body.</param>
/// <param name="Xml">The plaintext reply XML (decrypted in encrypted modes); null for "success"/empty or an error status.</param>
/// <param name="Attempts">Tries it took (1 unless one timed out).</param>
public sealed record PlatformReply(HttpStatusCode Status, string Body, string? Xml, int Attempts)
{
    /// <summary>200 with an empty body or "success": the backend chose not to reply.</summary>
    public bool IsNoReply => Status == HttpStatusCode.OK && Xml is null;

    public string? MsgType => Xml is null ? null : WechatXml.Parse(Xml).Field("MsgType");

    /// <summary>The text of a text reply.</summary>
    public string? Content => Xml is null ? null : WechatXml.Parse(Xml).Field("Content");
}

/// <summary>A reply WeChat would reject (bad signature, wrong mode, wrong addressee…).</summary>
public sealed class PlatformReplyException(string message) : Exception(message);

/// <summary>
/// The platform side of WeChat for one official account: builds, signs and encrypts callbacks, posts them
/// to <c>/wechat/{appId}</c> like WeChat (a fresh signature per try, 5 s per try, 3 tries), and verifies
/// and decrypts the replies. Usable from tests (with a TestServer client), benchmarks and the command line.
/// </summary>
public sealed class WechatPlatform : IDisposable
{
    private readonly HttpClient _http;
    private readonly WechatMessageCrypto? _crypto;
    private readonly TimeProvider _time;
    private readonly PlatformOptions _options;
    private readonly WechatSimulator? _simulator;
    private long _msgId;

    /// <param name="http">A client whose BaseAddress is the backend.</param>
    /// <param name="time">The clock timestamps come from (the backend checks them against its own).</param>
    /// <param name="simulator">When given, followers who message are recorded there too (opens the customer-service window).</param>
    public WechatPlatform(HttpClient http, PlatformAccount account, TimeProvider? time = null, PlatformOptions? options = null, WechatSimulator? simulator = null)
    {
        _http = http;
        Account = account;
        _crypto = string.IsNullOrEmpty(account.EncodingAesKey) ? null : new WechatMessageCrypto(account.Token, account.EncodingAesKey, account.AppId);
        _time = time ?? TimeProvider.System;
        _options = options ?? new PlatformOptions();
        _simulator = simulator;
        // 19 digits, as WeChat's MsgIds are (e.g. 1700827132819554304).
        _msgId = _time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000;
    }

    public PlatformAccount Account { get; }

    /// <summary>Unix seconds now, for CreateTime.</summary>
    public long Now => _time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>A MsgId not used before by this platform.</summary>
    public long NextMsgId() => Interlocked.Increment(ref _msgId);

    /// <summary>A fresh 43-character EncodingAESKey.</summary>
    public static string NewEncodingAesKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))[..43];

    /// <summary>A text message from <paramref name="openId"/> with a fresh MsgId.</summary>
    public string Text(string openId, string content) => PlatformMessages.Text(Account.OriginalId, openId, Now, content, NextMsgId());

    /// <summary>GET URL verification; returns the echoed text.</summary>
    public async Task<(HttpStatusCode Status, string Body)> VerifyUrlAsync(string echostr, CancellationToken cancellationToken = default)
    {
        var (timestamp, nonce) = (Now.ToString(CultureInfo.InvariantCulture), NewNonce());
        var signature = WechatSignature.Compute(Account.Token, timestamp, nonce);
        using var response = await _http.GetAsync(
            $"/wechat/{Account.AppId}?signature={signature}&timestamp={timestamp}&nonce={nonce}&echostr={Uri.EscapeDataString(echostr)}", cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>Signs (and in encrypted modes encrypts) a message, as WeChat does for one try.</summary>
    public PlatformRequest Sign(string messageXml, CallbackMode mode, long? timestamp = null, string? nonce = null)
    {
        var ts = (timestamp ?? Now).ToString(CultureInfo.InvariantCulture);
        nonce ??= NewNonce();
        var signature = WechatSignature.Compute(Account.Token, ts, nonce);
        var openId = Field(messageXml, "FromUserName") ?? "";
        var query = $"/wechat/{Account.AppId}?signature={signature}&timestamp={ts}&nonce={nonce}&openid={Uri.EscapeDataString(openId)}";
        if (mode == CallbackMode.Plaintext)
        {
            return new PlatformRequest(query, messageXml, ts, nonce);
        }

        var crypto = _crypto ?? throw new InvalidOperationException("The account has no EncodingAESKey: only plaintext mode is possible");
        var encrypt = crypto.Encrypt(messageXml);
        var msgSignature = WechatSignature.Compute(Account.Token, ts, nonce, encrypt);
        // A JSON push (the mini-program's message push set to JSON) is encrypted into a JSON envelope.
        var body = PlatformMessages.IsJson(messageXml)
            ? System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["ToUserName"] = Account.OriginalId, ["Encrypt"] = encrypt })
            : mode == CallbackMode.Safe
            ? new StringBuilder().Append("<xml>").Field("ToUserName", Account.OriginalId).Field("Encrypt", encrypt).Append("</xml>").ToString()
            : messageXml.Insert(messageXml.LastIndexOf("</xml>", StringComparison.Ordinal), new StringBuilder().Field("Encrypt", encrypt).ToString());
        return new PlatformRequest($"{query}&encrypt_type=aes&msg_signature={msgSignature}", body, ts, nonce);
    }

    /// <summary>Sends one signed request once, without retrying or checking the reply.</summary>
    public async Task<(HttpStatusCode Status, string Body)> SendAsync(PlatformRequest request, CancellationToken cancellationToken = default)
    {
        using var content = new StringContent(request.Body, Encoding.UTF8, PlatformMessages.IsJson(request.Body) ? "application/json" : "text/xml");
        using var response = await _http.PostAsync(request.PathAndQuery, content, cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>
    /// Posts a message like WeChat: each try signed afresh, given <see cref="PlatformOptions.Timeout"/>, retried on
    /// timeout or a broken connection up to <see cref="PlatformOptions.Attempts"/> tries; then checks the reply.
    /// </summary>
    /// <exception cref="TimeoutException">Every try timed out.</exception>
    /// <exception cref="PlatformReplyException">The reply is one WeChat would reject.</exception>
    public async Task<PlatformReply> PostAsync(string messageXml, CallbackMode mode, CancellationToken cancellationToken = default)
    {
        NoteFollower(messageXml);
        Exception? last = null;
        for (var attempt = 1; attempt <= _options.Attempts; attempt++)
        {
            var request = Sign(messageXml, mode);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.Timeout);
            try
            {
                var (status, body) = await SendAsync(request, timeout.Token);
                return new PlatformReply(status, body, status == HttpStatusCode.OK ? ReadReply(messageXml, mode, body) : null, attempt);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is OperationCanceledException or HttpRequestException)
            {
                last = ex;
            }
        }

        throw new TimeoutException($"No answer after {_options.Attempts} tries of {_options.Timeout.TotalSeconds:0.#} s", last);
    }

    /// <summary>Verifies and decrypts a reply body; null for "no reply".</summary>
    public string? ReadReply(string messageXml, CallbackMode mode, string body)
    {
        if (body.Length == 0 || body == "success")
        {
            return null;
        }

        var root = WechatXml.Parse(body);
        string xml;
        if (root.Field("Encrypt") is { } encrypt)
        {
            if (mode == CallbackMode.Plaintext || _crypto is null)
            {
                throw new PlatformReplyException("An encrypted reply to a plaintext callback");
            }

            var expected = WechatSignature.Compute(Account.Token, root.Field("TimeStamp") ?? "", root.Field("Nonce") ?? "", encrypt);
            if (!string.Equals(expected, root.Field("MsgSignature"), StringComparison.Ordinal))
            {
                throw new PlatformReplyException("The reply's MsgSignature does not match");
            }

            xml = _crypto.Decrypt(encrypt);
        }
        else if (mode == CallbackMode.Safe)
        {
            throw new PlatformReplyException("A plaintext reply to a safe-mode callback");
        }
        else
        {
            xml = body;
        }

        var message = WechatXml.Parse(messageXml);
        var reply = WechatXml.Parse(xml);
        if (reply.Field("ToUserName") != message.Field("FromUserName") || reply.Field("FromUserName") != message.Field("ToUserName"))
        {
            throw new PlatformReplyException("The reply is not addressed back to the sender");
        }

        if (string.IsNullOrEmpty(reply.Field("MsgType")) || reply.Field("CreateTime") is null)
        {
            throw new PlatformReplyException("The reply has no MsgType or CreateTime");
        }

        return xml;
    }

    public void Dispose() => _crypto?.Dispose();

    /// <summary>A field of a message, or null; tolerant of the hostile or oversized bodies tests post on purpose.</summary>
    private static string? Field(string messageXml, string name)
    {
        try
        {
            return WechatXml.Parse(messageXml).Field(name);
        }
        catch (WechatMessageFormatException)
        {
            return null;
        }
    }

    private static string NewNonce() => RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);

    /// <summary>Keeps the API side in step: a subscriber exists there, and whoever writes opens the 48 h window.</summary>
    private void NoteFollower(string messageXml)
    {
        if (_simulator is null)
        {
            return;
        }

        var openId = Field(messageXml, "FromUserName") ?? "";
        var evt = Field(messageXml, "Event")?.ToLowerInvariant();
        if (evt is "templatesendjobfinish" or "masssendjobfinish" or "publishjobfinish"
            or "subscribe_msg_sent_event" or "subscribe_msg_popup_event" or "subscribe_msg_change_event")
        {
            return;
        }

        _simulator.FollowerWrote(Account.AppId, openId, subscribed: evt != "unsubscribe", interacted: evt != "unsubscribe");
    }
}
