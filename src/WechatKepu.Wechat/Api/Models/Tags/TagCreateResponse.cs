using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Tags;

/// <summary>Answer of <c>POST /cgi-bin/tags/create</c>.</summary>
public sealed record TagCreateResponse : WechatResponse
{
    [JsonPropertyName("tag")]
    public Tag Tag { get; init; } = new(0, "", null);
}

/// <param name="Count">Followers with the tag (only in <c>tags/get</c>).</param>
public sealed record Tag(
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("count")] int? Count);
