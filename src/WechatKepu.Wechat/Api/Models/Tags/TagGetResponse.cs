using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Tags;

/// <summary>Answer of <c>GET /cgi-bin/tags/get</c>.</summary>
public sealed record TagGetResponse : WechatResponse
{
    [JsonPropertyName("tags")]
    public IReadOnlyList<Tag> Tags { get; init; } = [];
}
