using System.Text;
using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Sns;

/// <summary>Answer of <c>GET /sns/jscode2session</c>. The session key stays on the server: never send it to the mini-program.</summary>
public sealed record Code2SessionResponse : WechatResponse
{
    [JsonPropertyName("openid")]
    public string OpenId { get; init; } = "";

    [JsonPropertyName("session_key")]
    public string SessionKey { get; init; } = "";

    [JsonPropertyName("unionid")]
    public string? UnionId { get; init; }

    protected override bool PrintMembers(StringBuilder builder)
    {
        builder.Append("OpenId = ").Append(OpenId).Append(", UnionId = ").Append(UnionId);
        return true;
    }
}
