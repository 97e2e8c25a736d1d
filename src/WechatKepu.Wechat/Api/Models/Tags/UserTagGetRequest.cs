using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Tags;

/// <summary>Body of <c>POST /cgi-bin/user/tag/get</c>: followers with a tag, 10,000 a page.</summary>
public sealed record UserTagGetRequest(
    [property: JsonPropertyName("tagid")] int TagId,
    [property: JsonPropertyName("next_openid")] string? NextOpenId = null);
