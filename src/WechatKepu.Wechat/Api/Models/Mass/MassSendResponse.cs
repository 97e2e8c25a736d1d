using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Mass;

/// <summary>Answer of mass <c>sendall</c>, <c>send</c> and <c>preview</c>; MASSSENDJOBFINISH carries the same msg_id.</summary>
public sealed record MassSendResponse : WechatResponse
{
    [JsonPropertyName("msg_id")]
    [JsonConverter(typeof(WechatIdConverter))]
    public string MsgId { get; init; } = "";

    /// <summary>Set for article (mpnews) sends: the id for statistics.</summary>
    [JsonPropertyName("msg_data_id")]
    public long? MsgDataId { get; init; }
}
