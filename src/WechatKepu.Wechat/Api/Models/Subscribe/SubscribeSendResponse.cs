using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Subscribe;

/// <summary>
/// Answer of the mini-program's <c>POST /cgi-bin/message/subscribe/send</c>: <c>msgid</c> is the id the
/// <c>subscribe_msg_sent_event</c> receipt (pushed to the mini-program's message-push URL) carries as <c>MsgID</c>.
/// </summary>
public sealed record SubscribeSendResponse : WechatResponse
{
    [JsonPropertyName("msgid")]
    [JsonConverter(typeof(WechatIdConverter))]
    public string? MsgId { get; init; }
}
