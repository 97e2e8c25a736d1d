using System.Text;
using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Token;

/// <summary>Answer of <c>POST /cgi-bin/stable_token</c>.</summary>
public sealed record StableTokenResponse : WechatResponse
{
    [JsonPropertyName("access_token")]
    public string AccessToken { get; init; } = "";

    /// <summary>Seconds the token stays valid from now (less than 7200 when WeChat returns a token it issued earlier).</summary>
    [JsonPropertyName("expires_in")]
    public int ExpiresIn { get; init; }

    // The token is a credential: keep it out of anything that prints the record.
    protected override bool PrintMembers(StringBuilder builder)
    {
        builder.Append("ExpiresIn = ").Append(ExpiresIn);
        return true;
    }
}
