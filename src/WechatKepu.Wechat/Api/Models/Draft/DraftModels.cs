using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Draft;

/// <summary>Body of <c>POST /cgi-bin/draft/add</c>: one or more articles (图文) kept in the account's draft box.</summary>
public sealed record DraftAddRequest([property: JsonPropertyName("articles")] IReadOnlyList<DraftArticle> Articles);

/// <summary>
/// One article. WeChat's limits: title ≤ 32 characters, author ≤ 16, digest ≤ 128 (single-article news only),
/// content (HTML, no scripts; images only from <c>media/uploadimg</c>) under 20 000 characters and 1 MB;
/// the cover must be a permanent image (<c>material/add_material</c>).
/// </summary>
public sealed record DraftArticle(
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("thumb_media_id")] string ThumbMediaId,
    [property: JsonPropertyName("author")] string? Author = null,
    [property: JsonPropertyName("digest")] string? Digest = null,
    [property: JsonPropertyName("content_source_url")] string? ContentSourceUrl = null,
    [property: JsonPropertyName("need_open_comment")] int NeedOpenComment = 0,
    [property: JsonPropertyName("only_fans_can_comment")] int OnlyFansCanComment = 0)
{
    [JsonPropertyName("article_type")]
    public string ArticleType => "news";
}

/// <summary>Answer of <c>draft/add</c> (no errcode on success): the draft's media_id, which mass mpnews and freepublish take.</summary>
public sealed record DraftAddResponse : WechatResponse
{
    [JsonPropertyName("media_id")]
    public string MediaId { get; init; } = "";
}

/// <summary>Answer of <c>POST /cgi-bin/freepublish/submit</c>: the publish task; PUBLISHJOBFINISH later carries the same publish_id.</summary>
public sealed record FreePublishSubmitResponse : WechatResponse
{
    [JsonPropertyName("publish_id")]
    [JsonConverter(typeof(WechatIdConverter))]
    public string PublishId { get; init; } = "";

    [JsonPropertyName("msg_data_id")]
    [JsonConverter(typeof(WechatIdConverter))]
    public string? MsgDataId { get; init; }
}
