using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Mass;

/// <summary>Answer of <c>POST /cgi-bin/message/mass/get</c>.</summary>
public sealed record MassGetResponse : WechatResponse
{
    [JsonPropertyName("msg_id")]
    [JsonConverter(typeof(WechatIdConverter))]
    public string MsgId { get; init; } = "";

    /// <summary><c>SEND_SUCCESS</c>, <c>SENDING</c>, <c>SEND_FAIL</c> or <c>DELETE</c>.</summary>
    [JsonPropertyName("msg_status")]
    public string MsgStatus { get; init; } = "";
}
