using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Mass;

/// <summary>Body of <c>POST /cgi-bin/message/mass/delete</c>.</summary>
/// <param name="ArticleIdx">1-based article to delete; null or 0 deletes the whole message.</param>
public sealed record MassDeleteRequest(
    [property: JsonPropertyName("msg_id"), JsonConverter(typeof(WechatIdConverter))] string MsgId,
    [property: JsonPropertyName("article_idx")] int? ArticleIdx = null,
    [property: JsonPropertyName("url")] string? Url = null);
