using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Security;

/// <summary>Body of <c>POST /wxa/msg_sec_check</c> (version 2).</summary>
/// <param name="Scene">1 profile, 2 comment, 3 forum, 4 social log.</param>
/// <param name="OpenId">A user who opened the mini-program within the last 2 hours.</param>
public sealed record MsgSecCheckRequest(
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("scene")] int Scene,
    [property: JsonPropertyName("openid")] string OpenId,
    [property: JsonPropertyName("title")] string? Title = null,
    [property: JsonPropertyName("nickname")] string? Nickname = null,
    [property: JsonPropertyName("signature")] string? Signature = null)
{
    [JsonPropertyName("version")]
    public int Version { get; init; } = 2;
}
