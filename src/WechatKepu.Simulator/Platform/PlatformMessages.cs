using System.Globalization;
using System.Text;

namespace WechatKepu.Simulator.Platform;

/// <summary>
/// The XML WeChat pushes for each message and event type, as the platform side of the simulator posts it.
/// <paramref name="to"/> is the account's original id (gh_…), <paramref name="from"/> the follower's openid.
/// </summary>
public static class PlatformMessages
{
    public static string Text(string to, string from, long createTime, string content, long msgId) =>
        Message(to, from, createTime, "text", msgId, ("Content", content));

    public static string Image(string to, string from, long createTime, long msgId) =>
        Message(to, from, createTime, "image", msgId, ("PicUrl", "https://mmbiz.qpic.cn/sim/pic.jpg"), ("MediaId", "media-image-" + msgId));

    public static string Voice(string to, string from, long createTime, long msgId, string? recognition = null) =>
        recognition is null
            ? Message(to, from, createTime, "voice", msgId, ("MediaId", "media-voice-" + msgId), ("Format", "amr"))
            : Message(to, from, createTime, "voice", msgId, ("MediaId", "media-voice-" + msgId), ("Format", "amr"), ("Recognition", recognition));

    public static string Video(string to, string from, long createTime, long msgId, bool shortVideo = false) =>
        Message(to, from, createTime, shortVideo ? "shortvideo" : "video", msgId, ("MediaId", "media-video-" + msgId), ("ThumbMediaId", "media-thumb-" + msgId));

    public static string Location(string to, string from, long createTime, long msgId, double latitude = 24.3264, double longitude = 109.4281, string label = "柳州市城中区") =>
        Message(to, from, createTime, "location", msgId,
            ("Location_X", latitude.ToString(CultureInfo.InvariantCulture)), ("Location_Y", longitude.ToString(CultureInfo.InvariantCulture)),
            ("Scale", "15"), ("Label", label));

    public static string Link(string to, string from, long createTime, long msgId) =>
        Message(to, from, createTime, "link", msgId, ("Title", "科普文章"), ("Description", "一篇文章"), ("Url", "https://example.com/a"));

    public static string MiniProgramPage(string to, string from, long createTime, long msgId, string appId) =>
        Message(to, from, createTime, "miniprogrampage", msgId, ("Title", "科普日活动"), ("AppId", appId), ("PagePath", "pages/index/index"),
            ("ThumbUrl", "https://mmbiz.qpic.cn/sim/thumb.jpg"), ("ThumbMediaId", "media-thumb"));

    /// <summary>A subscribe event; with <paramref name="scene"/> it came from a parametric QR code.</summary>
    public static string Subscribe(string to, string from, long createTime, string? scene = null) =>
        scene is null
            ? Event(to, from, createTime, "subscribe")
            : Event(to, from, createTime, "subscribe", "qrscene_" + scene, ("Ticket", "ticket-" + scene));

    public static string Unsubscribe(string to, string from, long createTime) => Event(to, from, createTime, "unsubscribe");

    public static string Scan(string to, string from, long createTime, string scene) =>
        Event(to, from, createTime, "SCAN", scene, ("Ticket", "ticket-" + scene));

    public static string Click(string to, string from, long createTime, string key) => Event(to, from, createTime, "CLICK", key);

    public static string View(string to, string from, long createTime, string url) => Event(to, from, createTime, "VIEW", url);

    public static string LocationReport(string to, string from, long createTime) =>
        Event(to, from, createTime, "LOCATION", null, ("Latitude", "24.3264"), ("Longitude", "109.4281"), ("Precision", "30.0"));

    public static string TemplateSendJobFinish(string to, string from, long createTime, long msgId, string status) =>
        TemplateSendJobFinish(to, from, createTime, msgId.ToString(CultureInfo.InvariantCulture), status);

    public static string TemplateSendJobFinish(string to, string from, long createTime, string msgId, string status) =>
        Event(to, from, createTime, "TEMPLATESENDJOBFINISH", null, ("MsgID", msgId), ("Status", status));

    public static string MassSendJobFinish(string to, string from, long createTime, long msgId, string status, int total, int filter, int sent, int errors) =>
        Event(to, from, createTime, "MASSSENDJOBFINISH", null,
            ("MsgID", msgId.ToString(CultureInfo.InvariantCulture)), ("Status", status), ("TotalCount", Num(total)),
            ("FilterCount", Num(filter)), ("SentCount", Num(sent)), ("ErrorCount", Num(errors)));

    /// <summary>
    /// PUBLISHJOBFINISH: a freepublish task's outcome in <c>PublishEventInfo</c> (publish_status 0 with article_id and
    /// article_detail; otherwise the 1-based fail_idx of the articles that failed).
    /// </summary>
    public static string PublishJobFinish(string to, string from, long createTime, string publishId, int status, string? articleId,
        IReadOnlyList<string> articleUrls, IReadOnlyList<int> failedIndexes)
    {
        var xml = Begin(to, from, createTime, "event").Field("Event", "PUBLISHJOBFINISH").Append("<PublishEventInfo>")
            .Append("<publish_id>").Append(publishId).Append("</publish_id>")
            .Append("<publish_status>").Append(status).Append("</publish_status>");
        if (articleId is not null)
        {
            xml.Field("article_id", articleId).Append("<article_detail><count>").Append(articleUrls.Count).Append("</count>");
            for (var i = 0; i < articleUrls.Count; i++)
            {
                xml.Append("<item><idx>").Append(i + 1).Append("</idx>").Field("article_url", articleUrls[i]).Append("</item>");
            }

            xml.Append("</article_detail>");
        }

        foreach (var index in failedIndexes)
        {
            xml.Append("<fail_idx>").Append(index).Append("</fail_idx>");
        }

        return xml.Append("</PublishEventInfo></xml>").ToString();
    }

    public static string SubscribeMsgPopup(string to, string from, long createTime, params (string TemplateId, string Status)[] items) =>
        ListEvent(to, from, createTime, "subscribe_msg_popup_event", "SubscribeMsgPopupEvent",
            items.Select(i => new[] { ("TemplateId", i.TemplateId), ("SubscribeStatusString", i.Status), ("PopupScene", "2") }));

    public static string SubscribeMsgChange(string to, string from, long createTime, params (string TemplateId, string Status)[] items) =>
        ListEvent(to, from, createTime, "subscribe_msg_change_event", "SubscribeMsgChangeEvent",
            items.Select(i => new[] { ("TemplateId", i.TemplateId), ("SubscribeStatusString", i.Status) }));

    public static string SubscribeMsgSent(string to, string from, long createTime, params (string TemplateId, string MsgId, int ErrorCode)[] items) =>
        ListEvent(to, from, createTime, "subscribe_msg_sent_event", "SubscribeMsgSentEvent",
            items.Select(i => new[]
            {
                ("TemplateId", i.TemplateId), ("MsgID", i.MsgId),
                ("ErrorCode", Num(i.ErrorCode)), ("ErrorStatus", i.ErrorCode == 0 ? "success" : "failed:user refuse accept the msg"),
            }));

    /// <summary>True when <paramref name="body"/> is a JSON push rather than XML.</summary>
    public static bool IsJson(string body) => body.AsSpan().TrimStart().StartsWith("{");

    /// <summary>
    /// The JSON form of a push built here, as a mini-program whose message push is set to JSON receives it:
    /// the same names, <c>CreateTime</c> and codes as numbers, and a lone <c>&lt;List&gt;</c> as one object
    /// (or, with <paramref name="listAsArray"/>, as an array of one, which WeChat also sends); several as an array.
    /// </summary>
    public static string AsJson(string xml, bool listAsArray = false)
    {
        var root = WechatKepu.Wechat.Messages.WechatXml.Parse(xml);
        var buffer = new System.IO.MemoryStream();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions
               { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(json, root);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());

        void Write(System.Text.Json.Utf8JsonWriter json, WechatKepu.Wechat.Messages.WechatXmlElement element)
        {
            json.WriteStartObject();
            foreach (var group in element.Children.GroupBy(c => c.Name))
            {
                json.WritePropertyName(group.Key);
                var items = group.ToArray();
                if (items.Length > 1 || (listAsArray && group.Key == "List"))
                {
                    json.WriteStartArray();
                    foreach (var item in items)
                    {
                        Value(json, item);
                    }

                    json.WriteEndArray();
                }
                else
                {
                    Value(json, items[0]);
                }
            }

            json.WriteEndObject();
        }

        void Value(System.Text.Json.Utf8JsonWriter json, WechatKepu.Wechat.Messages.WechatXmlElement element)
        {
            if (element.Value is null)
            {
                Write(json, element);
            }
            else if (element.Name is "CreateTime" or "ErrorCode" or "TotalCount" or "FilterCount" or "SentCount" or "ErrorCount"
                     && long.TryParse(element.Value, out var number))
            {
                json.WriteNumberValue(number);
            }
            else
            {
                json.WriteStringValue(element.Value);
            }
        }
    }

    /// <summary>Any event, including ones the backend does not know.</summary>
    public static string Event(string to, string from, long createTime, string eventName, string? eventKey = null, params (string Name, string Value)[] fields)
    {
        var xml = Begin(to, from, createTime, "event").Field("Event", eventName);
        if (eventKey is not null)
        {
            xml.Field("EventKey", eventKey);
        }

        foreach (var (name, value) in fields)
        {
            xml.Field(name, value);
        }

        return xml.Append("</xml>").ToString();
    }

    /// <summary>Any user message type, including ones the backend does not know.</summary>
    public static string Message(string to, string from, long createTime, string msgType, long msgId, params (string Name, string Value)[] fields)
    {
        var xml = Begin(to, from, createTime, msgType);
        foreach (var (name, value) in fields)
        {
            xml.Field(name, value);
        }

        return xml.Append("<MsgId>").Append(msgId).Append("</MsgId></xml>").ToString();
    }

    private static string ListEvent(string to, string from, long createTime, string eventName, string group, IEnumerable<(string Name, string Value)[]> items)
    {
        var xml = Begin(to, from, createTime, "event").Field("Event", eventName).Append('<').Append(group).Append('>');
        foreach (var item in items)
        {
            xml.Append("<List>");
            foreach (var (name, value) in item)
            {
                xml.Field(name, value);
            }

            xml.Append("</List>");
        }

        return xml.Append("</").Append(group).Append("></xml>").ToString();
    }

    private static StringBuilder Begin(string to, string from, long createTime, string msgType) =>
        new StringBuilder(256).Append("<xml>").Field("ToUserName", to).Field("FromUserName", from)
            .Append("<CreateTime>").Append(createTime).Append("</CreateTime>").Field("MsgType", msgType);

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A CDATA field; a "]]>" inside the value is split so it cannot end the section.</summary>
    internal static StringBuilder Field(this StringBuilder xml, string name, string value) =>
        xml.Append('<').Append(name).Append("><![CDATA[").Append(value.Replace("]]>", "]]]]><![CDATA[>", StringComparison.Ordinal))
            .Append("]]></").Append(name).Append('>');
}
