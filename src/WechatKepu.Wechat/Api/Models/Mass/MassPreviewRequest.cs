using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Mass;

/// <summary>Body of <c>POST /cgi-bin/message/mass/preview</c>: one follower (by openid or WeChat id) sees the message first.</summary>
public sealed record MassPreviewRequest(
    MassContent Content,
    [property: JsonPropertyName("touser")] string? ToUser = null,
    [property: JsonPropertyName("towxname")] string? ToWxName = null) : MassMessage(Content);
