using System.Text.Json;

namespace WechatKepu.Wechat.Api;

/// <summary>
/// A WeChat call that did not succeed: either WeChat answered with <c>errcode != 0</c>, or the call
/// never got an answer (<see cref="IsTransport"/>: timeout, refused or dropped connection, non-200 status).
/// The message never contains the access token or the secret.
/// </summary>
public sealed class WechatApiException : Exception
{
    /// <summary>The errcode that transport failures carry: WeChat's own "system busy".</summary>
    public const int TransportErrcode = WechatErrors.SystemBusy;

    public WechatApiException(int errcode, string? errmsg, string path, WechatErrorKind kind,
        bool isTransport = false, JsonElement? response = null, Exception? innerException = null)
        : base($"WeChat {path} failed: {errcode} {errmsg}", innerException)
    {
        Errcode = errcode;
        Errmsg = errmsg ?? "";
        Path = path;
        Kind = kind;
        IsTransport = isTransport;
        Response = response;
    }

    /// <summary>WeChat's errcode, or <see cref="TransportErrcode"/> when no answer came.</summary>
    public int Errcode { get; }

    public string Errmsg { get; }

    /// <summary>The API path called, without query string (so without the token), e.g. <c>/cgi-bin/message/template/send</c>.</summary>
    public string Path { get; }

    public WechatErrorKind Kind { get; }

    /// <summary>How long to wait before retrying, when the errcode names it (45011, 45066); null: the caller's backoff.</summary>
    public TimeSpan? RetryAfter => IsTransport ? null : WechatErrors.Describe(Errcode).RetryAfter;

    /// <summary>What happened, in Chinese, for staff (from <see cref="WechatErrors.Table"/>).</summary>
    public string Reason => IsTransport ? "未收到微信应答（超时或连接中断），发送结果未知" : WechatErrors.Describe(Errcode).Reason;

    /// <summary>True when no WeChat answer was read (timeout, connection error, HTTP status not 200).</summary>
    public bool IsTransport { get; }

    /// <summary>The whole JSON answer, for fields that come with an error (45065 carries the existing <c>msg_id</c>).</summary>
    public JsonElement? Response { get; }

    /// <summary>The <c>msg_id</c> WeChat returned with the error, e.g. the earlier send's id on 45065.</summary>
    public string? ExistingMsgId =>
        Response is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty("msg_id", out var id)
            ? id.ValueKind switch
            {
                JsonValueKind.Number => id.GetRawText(),
                JsonValueKind.String => id.GetString(),
                _ => null,
            }
            : null;
}
