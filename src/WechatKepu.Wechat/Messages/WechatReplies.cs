using System.Text;

namespace WechatKepu.Wechat.Messages;

/// <summary>
/// A passive reply: the body of our HTTP response to a callback. Text is written as CDATA, with any
/// <c>]]&gt;</c> split so content cannot close the section and inject elements.
/// </summary>
public abstract record WechatReply
{
    /// <summary>The body that tells WeChat "no reply" (an empty body works too).</summary>
    public const string NoReply = "success";

    private protected WechatReply()
    {
    }

    /// <summary>The reply's <c>MsgType</c>.</summary>
    public abstract string MsgType { get; }

    /// <summary>Writes the plaintext reply XML.</summary>
    /// <param name="toUser">The user's openid: the inbound message's <c>FromUserName</c>.</param>
    /// <param name="fromUser">Our original id: the inbound message's <c>ToUserName</c>.</param>
    /// <param name="createTime">Unix seconds.</param>
    public string ToXml(string toUser, string fromUser, long createTime)
    {
        ArgumentNullException.ThrowIfNull(toUser);
        ArgumentNullException.ThrowIfNull(fromUser);
        var builder = new StringBuilder(256)
            .Append("<xml>")
            .AppendCdata("ToUserName", toUser)
            .AppendCdata("FromUserName", fromUser)
            .AppendNumber("CreateTime", createTime)
            .AppendCdata("MsgType", MsgType);
        WriteBody(builder);
        return builder.Append("</xml>").ToString();
    }

    /// <summary>Writes the reply to <paramref name="message"/>, swapping sender and receiver.</summary>
    public string ToXml(WechatInboundMessage message, long createTime)
    {
        ArgumentNullException.ThrowIfNull(message);
        return ToXml(message.FromUserName, message.ToUserName, createTime);
    }

    private protected abstract void WriteBody(StringBuilder builder);
}

/// <summary>A text reply.</summary>
/// <param name="Content">The text; newlines are kept.</param>
public sealed record WechatTextReply(string Content) : WechatReply
{
    /// <inheritdoc />
    public override string MsgType => "text";

    private protected override void WriteBody(StringBuilder builder) => builder.AppendCdata("Content", Content);
}

/// <summary>An image reply.</summary>
/// <param name="MediaId">An uploaded image's media id.</param>
public sealed record WechatImageReply(string MediaId) : WechatReply
{
    /// <inheritdoc />
    public override string MsgType => "image";

    private protected override void WriteBody(StringBuilder builder) =>
        builder.Append("<Image>").AppendCdata("MediaId", MediaId).Append("</Image>");
}

/// <summary>A voice reply.</summary>
/// <param name="MediaId">An uploaded voice's media id.</param>
public sealed record WechatVoiceReply(string MediaId) : WechatReply
{
    /// <inheritdoc />
    public override string MsgType => "voice";

    private protected override void WriteBody(StringBuilder builder) =>
        builder.Append("<Voice>").AppendCdata("MediaId", MediaId).Append("</Voice>");
}

/// <summary>A video reply.</summary>
/// <param name="MediaId">An uploaded video's media id.</param>
/// <param name="Title">Optional title.</param>
/// <param name="Description">Optional description.</param>
public sealed record WechatVideoReply(string MediaId, string? Title = null, string? Description = null) : WechatReply
{
    /// <inheritdoc />
    public override string MsgType => "video";

    private protected override void WriteBody(StringBuilder builder)
    {
        builder.Append("<Video>").AppendCdata("MediaId", MediaId);
        AppendOptional(builder, "Title", Title);
        AppendOptional(builder, "Description", Description);
        builder.Append("</Video>");
    }

    internal static void AppendOptional(StringBuilder builder, string name, string? value)
    {
        if (value is not null)
        {
            builder.AppendCdata(name, value);
        }
    }
}

/// <summary>A music reply.</summary>
/// <param name="ThumbMediaId">The cover's media id (required by WeChat).</param>
/// <param name="Title">Optional title.</param>
/// <param name="Description">Optional description.</param>
/// <param name="MusicUrl">Optional music link.</param>
/// <param name="HqMusicUrl">Optional high-quality link, preferred on Wi-Fi.</param>
public sealed record WechatMusicReply(
    string ThumbMediaId,
    string? Title = null,
    string? Description = null,
    string? MusicUrl = null,
    string? HqMusicUrl = null) : WechatReply
{
    /// <inheritdoc />
    public override string MsgType => "music";

    private protected override void WriteBody(StringBuilder builder)
    {
        builder.Append("<Music>");
        WechatVideoReply.AppendOptional(builder, "Title", Title);
        WechatVideoReply.AppendOptional(builder, "Description", Description);
        WechatVideoReply.AppendOptional(builder, "MusicUrl", MusicUrl);
        WechatVideoReply.AppendOptional(builder, "HQMusicUrl", HqMusicUrl);
        builder.AppendCdata("ThumbMediaId", ThumbMediaId).Append("</Music>");
    }
}

/// <summary>One article of a news reply.</summary>
/// <param name="Title">Title.</param>
/// <param name="Description">Summary.</param>
/// <param name="PicUrl">Cover image (large 360×200, small 200×200).</param>
/// <param name="Url">Link opened on tap.</param>
public sealed record WechatNewsArticle(string Title, string Description, string PicUrl, string Url);

/// <summary>A news (article card) reply.</summary>
public sealed record WechatNewsReply : WechatReply
{
    /// <summary>WeChat shows at most 8 articles (only 1 in reply to a user's text, image, voice, video, news or location).</summary>
    public const int MaxArticles = 8;

    /// <summary>Creates a news reply.</summary>
    /// <exception cref="ArgumentException">No articles, or more than <see cref="MaxArticles"/>.</exception>
    public WechatNewsReply(IReadOnlyList<WechatNewsArticle> articles)
    {
        ArgumentNullException.ThrowIfNull(articles);
        if (articles.Count is 0 or > MaxArticles)
        {
            throw new ArgumentException($"A news reply has 1 to {MaxArticles} articles.", nameof(articles));
        }

        Articles = articles;
    }

    /// <summary>The articles.</summary>
    public IReadOnlyList<WechatNewsArticle> Articles { get; }

    /// <inheritdoc />
    public override string MsgType => "news";

    private protected override void WriteBody(StringBuilder builder)
    {
        builder.AppendNumber("ArticleCount", Articles.Count).Append("<Articles>");
        foreach (var article in Articles)
        {
            builder.Append("<item>")
                .AppendCdata("Title", article.Title)
                .AppendCdata("Description", article.Description)
                .AppendCdata("PicUrl", article.PicUrl)
                .AppendCdata("Url", article.Url)
                .Append("</item>");
        }

        builder.Append("</Articles>");
    }
}

/// <summary>Hands the conversation to the customer-service system.</summary>
/// <param name="KfAccount">A specific agent (<c>name@account</c>), or <see langword="null"/> for any.</param>
public sealed record WechatTransferCustomerServiceReply(string? KfAccount = null) : WechatReply
{
    /// <inheritdoc />
    public override string MsgType => "transfer_customer_service";

    private protected override void WriteBody(StringBuilder builder)
    {
        if (KfAccount is not null)
        {
            builder.Append("<TransInfo>").AppendCdata("KfAccount", KfAccount).Append("</TransInfo>");
        }
    }
}
