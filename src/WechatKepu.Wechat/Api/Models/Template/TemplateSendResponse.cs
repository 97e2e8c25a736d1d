using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Template;

/// <summary>Answer of <c>POST /cgi-bin/message/template/send</c>; the receipt event TEMPLATESENDJOBFINISH carries the same id.</summary>
public sealed record TemplateSendResponse : WechatResponse
{
    [JsonPropertyName("msgid")]
    [JsonConverter(typeof(WechatIdConverter))]
    public string MsgId { get; init; } = "";
}
