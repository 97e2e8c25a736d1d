namespace WechatKepu.Wechat.Messages;

/// <summary>A user message (not an event); these carry a <c>MsgId</c>.</summary>
public abstract record WechatUserMessage : WechatInboundMessage
{
    private protected WechatUserMessage(WechatXmlElement xml)
        : base(xml) => MsgId = xml.Text("MsgId");

    /// <summary>The message id; unique per sender, not globally.</summary>
    public string MsgId { get; init; }
}

/// <summary><c>text</c>.</summary>
public sealed record WechatTextMessage : WechatUserMessage
{
    internal WechatTextMessage(WechatXmlElement xml)
        : base(xml) => Content = xml.Text("Content");

    /// <summary>The text the user sent.</summary>
    public string Content { get; init; }
}

/// <summary><c>image</c>.</summary>
public sealed record WechatImageMessage : WechatUserMessage
{
    internal WechatImageMessage(WechatXmlElement xml)
        : base(xml)
    {
        PicUrl = xml.Text("PicUrl");
        MediaId = xml.Text("MediaId");
    }

    /// <summary>A temporary URL of the picture.</summary>
    public string PicUrl { get; init; }

    /// <summary>The media id to download it.</summary>
    public string MediaId { get; init; }
}

/// <summary><c>voice</c>.</summary>
public sealed record WechatVoiceMessage : WechatUserMessage
{
    internal WechatVoiceMessage(WechatXmlElement xml)
        : base(xml)
    {
        MediaId = xml.Text("MediaId");
        Format = xml.Text("Format");
        Recognition = xml.Field("Recognition");
    }

    /// <summary>The media id to download it.</summary>
    public string MediaId { get; init; }

    /// <summary>The audio format (amr, speex…).</summary>
    public string Format { get; init; }

    /// <summary>Speech-to-text, when the account has recognition enabled.</summary>
    public string? Recognition { get; init; }
}

/// <summary>The shape shared by <c>video</c> and <c>shortvideo</c>.</summary>
public abstract record WechatVideoMessageBase : WechatUserMessage
{
    private protected WechatVideoMessageBase(WechatXmlElement xml)
        : base(xml)
    {
        MediaId = xml.Text("MediaId");
        ThumbMediaId = xml.Text("ThumbMediaId");
    }

    /// <summary>The media id of the video.</summary>
    public string MediaId { get; init; }

    /// <summary>The media id of its thumbnail.</summary>
    public string ThumbMediaId { get; init; }
}

/// <summary><c>video</c>.</summary>
public sealed record WechatVideoMessage : WechatVideoMessageBase
{
    internal WechatVideoMessage(WechatXmlElement xml)
        : base(xml)
    {
    }
}

/// <summary><c>shortvideo</c>.</summary>
public sealed record WechatShortVideoMessage : WechatVideoMessageBase
{
    internal WechatShortVideoMessage(WechatXmlElement xml)
        : base(xml)
    {
    }
}

/// <summary><c>location</c>: a place the user chose to send.</summary>
public sealed record WechatLocationMessage : WechatUserMessage
{
    internal WechatLocationMessage(WechatXmlElement xml)
        : base(xml)
    {
        LocationX = xml.Double("Location_X");
        LocationY = xml.Double("Location_Y");
        Scale = xml.Int32("Scale");
        Label = xml.Text("Label");
    }

    /// <summary><c>Location_X</c>: latitude.</summary>
    public double? LocationX { get; init; }

    /// <summary><c>Location_Y</c>: longitude.</summary>
    public double? LocationY { get; init; }

    /// <summary>Map zoom.</summary>
    public int? Scale { get; init; }

    /// <summary>The place name.</summary>
    public string Label { get; init; }
}

/// <summary><c>link</c>.</summary>
public sealed record WechatLinkMessage : WechatUserMessage
{
    internal WechatLinkMessage(WechatXmlElement xml)
        : base(xml)
    {
        Title = xml.Text("Title");
        Description = xml.Text("Description");
        Url = xml.Text("Url");
    }

    /// <summary>The link title.</summary>
    public string Title { get; init; }

    /// <summary>The link description.</summary>
    public string Description { get; init; }

    /// <summary>The link target.</summary>
    public string Url { get; init; }
}

/// <summary><c>miniprogrampage</c>: a mini-program card sent into a customer-service session.</summary>
public sealed record WechatMiniProgramPageMessage : WechatUserMessage
{
    internal WechatMiniProgramPageMessage(WechatXmlElement xml)
        : base(xml)
    {
        Title = xml.Text("Title");
        AppId = xml.Text("AppId");
        PagePath = xml.Text("PagePath");
        ThumbUrl = xml.Text("ThumbUrl");
        ThumbMediaId = xml.Text("ThumbMediaId");
    }

    /// <summary>The card title.</summary>
    public string Title { get; init; }

    /// <summary>The mini-program's appId.</summary>
    public string AppId { get; init; }

    /// <summary>The page the card opens.</summary>
    public string PagePath { get; init; }

    /// <summary>The cover image URL.</summary>
    public string ThumbUrl { get; init; }

    /// <summary>The cover image media id.</summary>
    public string ThumbMediaId { get; init; }
}
