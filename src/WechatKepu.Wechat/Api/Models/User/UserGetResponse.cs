using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.User;

/// <summary>Answer of <c>GET /cgi-bin/user/get</c>: up to 10,000 follower openids a page.</summary>
public sealed record UserGetResponse : OpenIdPage
{
    /// <summary>All followers of the account.</summary>
    [JsonPropertyName("total")]
    public int Total { get; init; }
}
