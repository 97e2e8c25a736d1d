using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Mass;

/// <summary>What a mass message carries: its <c>msgtype</c> and the one matching content field.</summary>
public sealed record MassContent(
    string MsgType, MassText? Text = null, MassMedia? MpNews = null, MassMedia? Voice = null, MassMedia? MpVideo = null,
    MassImages? Images = null, MassMedia? Image = null)
{
    public static MassContent TextMessage(string content) => new("text", Text: new MassText(content));

    /// <summary>Articles uploaded as a draft/material (media_id).</summary>
    public static MassContent News(string mediaId) => new("mpnews", MpNews: new MassMedia(mediaId));

    public static MassContent VoiceMessage(string mediaId) => new("voice", Voice: new MassMedia(mediaId));

    public static MassContent Video(string mediaId) => new("mpvideo", MpVideo: new MassMedia(mediaId));

    /// <summary>Images (permanent material) for <c>sendall</c> and <c>send</c>: WeChat reads them from <c>images.media_ids</c>.</summary>
    public static MassContent ImageMessage(IReadOnlyList<string> mediaIds, string? recommend = null) =>
        new("image", Images: new MassImages(mediaIds, recommend));

    /// <summary>One image for <c>preview</c>, which reads <c>image.media_id</c> instead.</summary>
    public static MassContent ImagePreview(string mediaId) => new("image", Image: new MassMedia(mediaId));
}

/// <param name="Recommend">The line shown with the images (推荐语).</param>
public sealed record MassImages(
    [property: JsonPropertyName("media_ids")] IReadOnlyList<string> MediaIds,
    [property: JsonPropertyName("recommend")] string? Recommend = null,
    [property: JsonPropertyName("need_open_comment")] int NeedOpenComment = 0,
    [property: JsonPropertyName("only_fans_can_comment")] int OnlyFansCanComment = 0);

public sealed record MassText([property: JsonPropertyName("content")] string Content);

public sealed record MassMedia([property: JsonPropertyName("media_id")] string MediaId);

/// <summary>
/// The fields every mass message shares, flattened the way WeChat wants them
/// (<c>{"msgtype":"text","text":{…}}</c>) from one <see cref="MassContent"/>.
/// </summary>
public abstract record MassMessage([property: JsonIgnore] MassContent Content)
{
    [JsonPropertyName("msgtype")]
    public string MsgType => Content.MsgType;

    [JsonPropertyName("text")]
    public MassText? Text => Content.Text;

    [JsonPropertyName("mpnews")]
    public MassMedia? MpNews => Content.MpNews;

    [JsonPropertyName("voice")]
    public MassMedia? Voice => Content.Voice;

    [JsonPropertyName("mpvideo")]
    public MassMedia? MpVideo => Content.MpVideo;

    [JsonPropertyName("images")]
    public MassImages? Images => Content.Images;

    [JsonPropertyName("image")]
    public MassMedia? Image => Content.Image;
}
