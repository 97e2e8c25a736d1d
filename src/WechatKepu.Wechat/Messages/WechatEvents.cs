namespace WechatKepu.Wechat.Messages;

/// <summary>An event (<c>MsgType</c> <c>event</c>); switch on the subtype.</summary>
public abstract record WechatEvent : WechatInboundMessage
{
    private protected WechatEvent(WechatXmlElement xml)
        : base(xml)
    {
        Event = xml.Required("Event");
        EventKey = xml.Field("EventKey");
    }

    /// <summary>The <c>Event</c> as sent (case varies across WeChat's events).</summary>
    public string Event { get; init; }

    /// <summary>The <c>EventKey</c>, when the event has one.</summary>
    public string? EventKey { get; init; }

    internal static WechatInboundMessage Create(WechatXmlElement xml) =>
        // WeChat mixes SCAN/LOCATION/CLICK/VIEW in capitals with snake_case names: match case-insensitively.
        xml.Required("Event").ToLowerInvariant() switch
        {
            "subscribe" => new WechatSubscribeEvent(xml),
            "unsubscribe" => new WechatUnsubscribeEvent(xml),
            "scan" => new WechatScanEvent(xml),
            "location" => new WechatLocationEvent(xml),
            "click" => new WechatClickEvent(xml),
            "view" => new WechatViewEvent(xml),
            "view_miniprogram" => new WechatViewMiniprogramEvent(xml),
            "scancode_push" => new WechatScancodePushEvent(xml),
            "scancode_waitmsg" => new WechatScancodeWaitmsgEvent(xml),
            "templatesendjobfinish" => new WechatTemplateSendJobFinishEvent(xml),
            "masssendjobfinish" => new WechatMassSendJobFinishEvent(xml),
            "publishjobfinish" => new WechatPublishJobFinishEvent(xml),
            "subscribe_msg_popup_event" => new WechatSubscribeMsgPopupEvent(xml),
            "subscribe_msg_change_event" => new WechatSubscribeMsgChangeEvent(xml),
            "subscribe_msg_sent_event" => new WechatSubscribeMsgSentEvent(xml),
            "user_authorization_revoke" => new WechatUserAuthorizationRevokeEvent(xml),
            _ => new WechatUnknownMessage(xml),
        };
}

/// <summary><c>subscribe</c>: a follow, directly or by scanning a parametric QR code.</summary>
public sealed record WechatSubscribeEvent : WechatEvent
{
    private const string ScenePrefix = "qrscene_";

    internal WechatSubscribeEvent(WechatXmlElement xml)
        : base(xml)
    {
        Ticket = xml.Field("Ticket");
        SceneKey = EventKey is { } key && key.StartsWith(ScenePrefix, StringComparison.Ordinal)
            ? key[ScenePrefix.Length..]
            : null;
    }

    /// <summary>The QR code scene (<c>EventKey</c> without <c>qrscene_</c>), or <see langword="null"/> for a plain follow.</summary>
    public string? SceneKey { get; init; }

    /// <summary>The QR code ticket, for a follow by QR code.</summary>
    public string? Ticket { get; init; }
}

/// <summary><c>unsubscribe</c>.</summary>
public sealed record WechatUnsubscribeEvent : WechatEvent
{
    internal WechatUnsubscribeEvent(WechatXmlElement xml)
        : base(xml)
    {
    }
}

/// <summary><c>SCAN</c>: a follower scanned a parametric QR code (<c>EventKey</c> is the scene, no prefix).</summary>
public sealed record WechatScanEvent : WechatEvent
{
    internal WechatScanEvent(WechatXmlElement xml)
        : base(xml) => Ticket = xml.Field("Ticket");

    /// <summary>The QR code ticket.</summary>
    public string? Ticket { get; init; }
}

/// <summary><c>LOCATION</c>: the periodic location report a follower allowed.</summary>
public sealed record WechatLocationEvent : WechatEvent
{
    internal WechatLocationEvent(WechatXmlElement xml)
        : base(xml)
    {
        Latitude = xml.Double("Latitude");
        Longitude = xml.Double("Longitude");
        Precision = xml.Double("Precision");
    }

    /// <summary>Latitude.</summary>
    public double? Latitude { get; init; }

    /// <summary>Longitude.</summary>
    public double? Longitude { get; init; }

    /// <summary>Accuracy in metres.</summary>
    public double? Precision { get; init; }
}

/// <summary><c>CLICK</c> on a custom-menu button (<c>EventKey</c> is the button key).</summary>
public sealed record WechatClickEvent : WechatEvent
{
    internal WechatClickEvent(WechatXmlElement xml)
        : base(xml)
    {
    }
}

/// <summary>The shape shared by the menu events that open something (a link or a mini-program page).</summary>
public abstract record WechatMenuOpenEvent : WechatEvent
{
    private protected WechatMenuOpenEvent(WechatXmlElement xml)
        : base(xml) => MenuId = xml.Field("MenuId");

    /// <summary>The menu id, for personalised menus.</summary>
    public string? MenuId { get; init; }
}

/// <summary><c>VIEW</c>: a menu link was opened (<c>EventKey</c> is the URL).</summary>
public sealed record WechatViewEvent : WechatMenuOpenEvent
{
    internal WechatViewEvent(WechatXmlElement xml)
        : base(xml)
    {
    }
}

/// <summary><c>view_miniprogram</c>: a menu opened a mini-program page (<c>EventKey</c> is the page path).</summary>
public sealed record WechatViewMiniprogramEvent : WechatMenuOpenEvent
{
    internal WechatViewMiniprogramEvent(WechatXmlElement xml)
        : base(xml)
    {
    }
}

/// <summary>The shape shared by the scan-code menu events.</summary>
public abstract record WechatScancodeEvent : WechatEvent
{
    private protected WechatScancodeEvent(WechatXmlElement xml)
        : base(xml)
    {
        var info = xml.Element("ScanCodeInfo");
        ScanType = info?.Field("ScanType") ?? string.Empty;
        ScanResult = info?.Field("ScanResult") ?? string.Empty;
    }

    /// <summary><c>ScanCodeInfo/ScanType</c> (qrcode, barcode…).</summary>
    public string ScanType { get; init; }

    /// <summary><c>ScanCodeInfo/ScanResult</c>: the decoded text.</summary>
    public string ScanResult { get; init; }
}

/// <summary><c>scancode_push</c>.</summary>
public sealed record WechatScancodePushEvent : WechatScancodeEvent
{
    internal WechatScancodePushEvent(WechatXmlElement xml)
        : base(xml)
    {
    }
}

/// <summary><c>scancode_waitmsg</c>: the user waits for our reply after scanning.</summary>
public sealed record WechatScancodeWaitmsgEvent : WechatScancodeEvent
{
    internal WechatScancodeWaitmsgEvent(WechatXmlElement xml)
        : base(xml)
    {
    }
}

/// <summary>The shape shared by the send receipts: <c>MsgID</c> (capital D) and <c>Status</c>.</summary>
public abstract record WechatSendJobFinishEvent : WechatEvent
{
    private protected WechatSendJobFinishEvent(WechatXmlElement xml)
        : base(xml)
    {
        MsgId = xml.Text("MsgID");
        Status = xml.Text("Status");
    }

    /// <summary><c>MsgID</c>: the id the send call returned.</summary>
    public string MsgId { get; init; }

    /// <summary>The outcome text, such as <c>success</c>, <c>failed:user block</c>, <c>send success</c>, <c>err(…)</c>.</summary>
    public string Status { get; init; }
}

/// <summary><c>TEMPLATESENDJOBFINISH</c>: the receipt of a template message.</summary>
public sealed record WechatTemplateSendJobFinishEvent : WechatSendJobFinishEvent
{
    internal WechatTemplateSendJobFinishEvent(WechatXmlElement xml)
        : base(xml)
    {
    }
}

/// <summary><c>MASSSENDJOBFINISH</c>: the receipt of a mass send.</summary>
public sealed record WechatMassSendJobFinishEvent : WechatSendJobFinishEvent
{
    internal WechatMassSendJobFinishEvent(WechatXmlElement xml)
        : base(xml)
    {
        TotalCount = xml.Int64("TotalCount");
        FilterCount = xml.Int64("FilterCount");
        SentCount = xml.Int64("SentCount");
        ErrorCount = xml.Int64("ErrorCount");
    }

    /// <summary>Followers targeted.</summary>
    public long? TotalCount { get; init; }

    /// <summary>Followers left after filtering (the 4-a-month limit and the like).</summary>
    public long? FilterCount { get; init; }

    /// <summary>Sent successfully.</summary>
    public long? SentCount { get; init; }

    /// <summary>Failed.</summary>
    public long? ErrorCount { get; init; }
}

/// <summary><c>PUBLISHJOBFINISH</c>: the result of a publish (freepublish) job.</summary>
public sealed record WechatPublishJobFinishEvent : WechatEvent
{
    internal WechatPublishJobFinishEvent(WechatXmlElement xml)
        : base(xml)
    {
        var info = xml.Element("PublishEventInfo");
        PublishId = info?.Field("publish_id") ?? string.Empty;
        PublishStatus = info?.Int32("publish_status");
        ArticleId = info?.Field("article_id");
        Articles = info?.Element("article_detail")?.Elements("item")
            .Select(item => new WechatPublishedArticle(item.Int32("idx") ?? 0, item.Text("article_url")))
            .ToArray() ?? [];
        FailedIndexes = info?.Elements("fail_idx")
            .Select(element => int.TryParse(element.Value, out var index) ? index : 0)
            .ToArray() ?? [];
    }

    /// <summary>The publish task id.</summary>
    public string PublishId { get; init; }

    /// <summary>0 success, 1 publishing, 2 originality check failed, 3 failed, 4 rejected, 5/6 removed.</summary>
    public int? PublishStatus { get; init; }

    /// <summary>The article id on success.</summary>
    public string? ArticleId { get; init; }

    /// <summary>The published articles on success.</summary>
    public IReadOnlyList<WechatPublishedArticle> Articles { get; init; }

    /// <summary>1-based indexes of the articles that failed review (status 2 or 4).</summary>
    public IReadOnlyList<int> FailedIndexes { get; init; }
}

/// <summary>One article of a finished publish job.</summary>
/// <param name="Index">1-based position.</param>
/// <param name="ArticleUrl">Permanent link.</param>
public sealed record WechatPublishedArticle(int Index, string ArticleUrl);

/// <summary><c>subscribe_msg_popup_event</c>: the user answered a subscribe-message prompt.</summary>
public sealed record WechatSubscribeMsgPopupEvent : WechatEvent
{
    internal WechatSubscribeMsgPopupEvent(WechatXmlElement xml)
        : base(xml) =>
        Items = xml.ListItems("SubscribeMsgPopupEvent")
            .Select(item => new WechatSubscribeMsgPopupItem(
                item.Text("TemplateId"), item.Text("SubscribeStatusString"), item.Field("PopupScene")))
            .ToArray();

    /// <summary>One entry per template in the prompt.</summary>
    public IReadOnlyList<WechatSubscribeMsgPopupItem> Items { get; init; }
}

/// <summary>One template's answer in a subscribe-message prompt.</summary>
/// <param name="TemplateId">The template.</param>
/// <param name="SubscribeStatusString"><c>accept</c> or <c>reject</c>.</param>
/// <param name="PopupScene">Where the prompt came from (0 mini-program, 1 H5, 2 article).</param>
public sealed record WechatSubscribeMsgPopupItem(string TemplateId, string SubscribeStatusString, string? PopupScene);

/// <summary><c>subscribe_msg_change_event</c>: the user changed a subscription in settings.</summary>
public sealed record WechatSubscribeMsgChangeEvent : WechatEvent
{
    internal WechatSubscribeMsgChangeEvent(WechatXmlElement xml)
        : base(xml) =>
        Items = xml.ListItems("SubscribeMsgChangeEvent")
            .Select(item => new WechatSubscribeMsgChangeItem(item.Text("TemplateId"), item.Text("SubscribeStatusString")))
            .ToArray();

    /// <summary>One entry per changed template.</summary>
    public IReadOnlyList<WechatSubscribeMsgChangeItem> Items { get; init; }
}

/// <summary>One template's new state.</summary>
/// <param name="TemplateId">The template.</param>
/// <param name="SubscribeStatusString">Usually <c>reject</c>.</param>
public sealed record WechatSubscribeMsgChangeItem(string TemplateId, string SubscribeStatusString);

/// <summary><c>subscribe_msg_sent_event</c>: the receipt of a subscribe-message send.</summary>
public sealed record WechatSubscribeMsgSentEvent : WechatEvent
{
    internal WechatSubscribeMsgSentEvent(WechatXmlElement xml)
        : base(xml) =>
        Items = xml.ListItems("SubscribeMsgSentEvent")
            .Select(item => new WechatSubscribeMsgSentItem(
                item.Text("TemplateId"), item.Text("MsgID"), item.Int32("ErrorCode") ?? 0, item.Text("ErrorStatus")))
            .ToArray();

    /// <summary>One entry per message sent.</summary>
    public IReadOnlyList<WechatSubscribeMsgSentItem> Items { get; init; }
}

/// <summary>The delivery result of one subscribe message.</summary>
/// <param name="TemplateId">The template.</param>
/// <param name="MsgId"><c>MsgID</c> (capital D).</param>
/// <param name="ErrorCode">0 delivered; otherwise the failure code.</param>
/// <param name="ErrorStatus"><c>success</c> or a failure text.</param>
public sealed record WechatSubscribeMsgSentItem(string TemplateId, string MsgId, int ErrorCode, string ErrorStatus);

/// <summary><c>user_authorization_revoke</c>: a user withdrew authorisation; delete what it covered.</summary>
public sealed record WechatUserAuthorizationRevokeEvent : WechatEvent
{
    internal WechatUserAuthorizationRevokeEvent(WechatXmlElement xml)
        : base(xml)
    {
        OpenId = xml.Text("OpenID");
        AppId = xml.Text("AppID");
        RevokeInfo = xml.Text("RevokeInfo");
    }

    /// <summary>The user's openid.</summary>
    public string OpenId { get; init; }

    /// <summary>The app the authorisation was for.</summary>
    public string AppId { get; init; }

    /// <summary>What was revoked (codes such as 201..207, 301).</summary>
    public string RevokeInfo { get; init; }
}

internal static class WechatSubscribeMsgListExtensions
{
    /// <summary>The repeated <c>&lt;List&gt;</c> items inside a subscribe-message event's group element.</summary>
    public static IEnumerable<WechatXmlElement> ListItems(this WechatXmlElement xml, string groupName) =>
        xml.Element(groupName)?.Elements("List") ?? [];
}
