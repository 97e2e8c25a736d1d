using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Tags;

/// <summary>Body of <c>POST /cgi-bin/tags/create</c>.</summary>
public sealed record TagCreateRequest([property: JsonPropertyName("tag")] TagName Tag);

/// <param name="Name">At most 30 characters.</param>
public sealed record TagName([property: JsonPropertyName("name")] string Name);
