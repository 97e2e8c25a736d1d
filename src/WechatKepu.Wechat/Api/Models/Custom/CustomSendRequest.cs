using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Custom;

/// <summary>
/// Body of <c>POST /cgi-bin/message/custom/send</c>: exactly one of the content fields matches
/// <see cref="MsgType"/>. Build it with <see cref="Text"/>, <see cref="News"/> or <see cref="MiniProgramPage"/>.
/// </summary>
public sealed record CustomSendRequest
{
    [JsonPropertyName("touser")]
    public required string ToUser { get; init; }

    [JsonPropertyName("msgtype")]
    public required string MsgType { get; init; }

    [JsonPropertyName("text")]
    public CustomText? TextContent { get; init; }

    [JsonPropertyName("news")]
    public CustomNews? NewsContent { get; init; }

    [JsonPropertyName("miniprogrampage")]
    public CustomMiniProgramPage? MiniProgramPageContent { get; init; }

    public static CustomSendRequest Text(string toUser, string content) =>
        new() { ToUser = toUser, MsgType = "text", TextContent = new CustomText(content) };

    /// <summary>A link card; WeChat shows one article.</summary>
    public static CustomSendRequest News(string toUser, CustomArticle article) =>
        new() { ToUser = toUser, MsgType = "news", NewsContent = new CustomNews([article]) };

    public static CustomSendRequest MiniProgramPage(string toUser, CustomMiniProgramPage page) =>
        new() { ToUser = toUser, MsgType = "miniprogrampage", MiniProgramPageContent = page };
}

public sealed record CustomText([property: JsonPropertyName("content")] string Content);

public sealed record CustomNews([property: JsonPropertyName("articles")] IReadOnlyList<CustomArticle> Articles);

public sealed record CustomArticle(
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("description")] string? Description,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("picurl")] string? PicUrl);

/// <param name="ThumbMediaId">A permanent or temporary image media id for the card (WeChat requires it).</param>
public sealed record CustomMiniProgramPage(
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("appid")] string AppId,
    [property: JsonPropertyName("pagepath")] string PagePath,
    [property: JsonPropertyName("thumb_media_id")] string ThumbMediaId);
