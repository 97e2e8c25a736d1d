using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Material;

/// <summary>Answer of <c>POST /cgi-bin/media/uploadimg</c>: the image's URL on WeChat's servers, for an article's body (no errcode on success).</summary>
public sealed record UploadImageResponse : WechatResponse
{
    [JsonPropertyName("url")]
    public string Url { get; init; } = "";
}

/// <summary>Answer of <c>POST /cgi-bin/material/add_material?type=image</c>: a permanent image (an article's cover) and its URL.</summary>
public sealed record AddMaterialResponse : WechatResponse
{
    [JsonPropertyName("media_id")]
    public string MediaId { get; init; } = "";

    [JsonPropertyName("url")]
    public string? Url { get; init; }
}
