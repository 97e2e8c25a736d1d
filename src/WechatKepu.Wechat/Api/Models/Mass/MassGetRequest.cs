using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Mass;

/// <summary>Body of <c>POST /cgi-bin/message/mass/get</c>.</summary>
public sealed record MassGetRequest([property: JsonPropertyName("msg_id"), JsonConverter(typeof(WechatIdConverter))] string MsgId);
