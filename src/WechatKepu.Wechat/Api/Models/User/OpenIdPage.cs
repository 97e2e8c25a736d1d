using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.User;

/// <summary>
/// One page of openids, as <c>user/get</c> and <c>user/tag/get</c> both return it; page on with
/// <see cref="NextOpenId"/> until it comes back empty.
/// </summary>
public record OpenIdPage : WechatResponse
{
    /// <summary>Openids in this page.</summary>
    [JsonPropertyName("count")]
    public int Count { get; init; }

    [JsonPropertyName("data")]
    public OpenIdList? Data { get; init; }

    [JsonPropertyName("next_openid")]
    public string? NextOpenId { get; init; }

    [JsonIgnore]
    public IReadOnlyList<string> OpenIds => Data?.OpenId ?? [];
}

public sealed record OpenIdList([property: JsonPropertyName("openid")] IReadOnlyList<string> OpenId);
