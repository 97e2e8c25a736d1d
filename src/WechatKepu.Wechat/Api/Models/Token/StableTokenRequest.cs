using System.Text;
using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Token;

/// <summary>Body of <c>POST /cgi-bin/stable_token</c>.</summary>
public sealed record StableTokenRequest(
    [property: JsonPropertyName("appid")] string AppId,
    [property: JsonPropertyName("secret")] string Secret,
    [property: JsonPropertyName("force_refresh")] bool ForceRefresh = false)
{
    [JsonPropertyName("grant_type")]
    public string GrantType { get; init; } = "client_credential";

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("AppId = ").Append(AppId).Append(", ForceRefresh = ").Append(ForceRefresh);
        return true;
    }
}
