using System.Globalization;

namespace WechatKepu.Wechat.Messages;

/// <summary>
/// A message or event pushed to our callback. Parse with <see cref="Parse"/>; switch on the subtype.
/// Unknown message types and events become <see cref="WechatUnknownMessage"/>, never an exception.
/// </summary>
public abstract record WechatInboundMessage
{
    /// <summary>Reads the common fields; subclasses read their own from the same element.</summary>
    private protected WechatInboundMessage(WechatXmlElement xml)
    {
        Xml = xml;
        ToUserName = xml.Required("ToUserName");
        FromUserName = xml.Required("FromUserName");
        MsgType = xml.Required("MsgType");
        CreateTime = xml.Int64("CreateTime")
            ?? throw new WechatMessageFormatException(WechatMessageFormatError.MissingField, "CreateTime is missing or not a number.");
    }

    /// <summary>Our account's original id (<c>gh_…</c>).</summary>
    public string ToUserName { get; init; }

    /// <summary>The sender's openid (for receipts, a platform account such as <c>mphelper</c>).</summary>
    public string FromUserName { get; init; }

    /// <summary>Unix seconds as sent.</summary>
    public long CreateTime { get; init; }

    /// <summary><see cref="CreateTime"/> as an instant.</summary>
    public DateTimeOffset CreatedAt => DateTimeOffset.FromUnixTimeSeconds(CreateTime);

    /// <summary>The <c>MsgType</c> as sent (<c>text</c>, <c>event</c>, …).</summary>
    public string MsgType { get; init; }

    /// <summary>The parsed body, for fields this model does not name.</summary>
    public WechatXmlElement Xml { get; init; }

    /// <summary>Every leaf field of the body by name (ordinal).</summary>
    public IReadOnlyDictionary<string, string> Fields => Xml.Fields;

    /// <summary>
    /// The key WeChat's retries share: <c>{FromUserName}:{MsgId}</c> for messages,
    /// <c>{FromUserName}:{CreateTime}:{Event}:{EventKey}</c> for events. MsgId alone has collided across
    /// users, hence the sender; the caller prefixes the appId.
    /// </summary>
    public string DedupKey
    {
        get
        {
            var eventName = Xml.Field("Event");
            var msgId = Xml.Field("MsgId");
            if (eventName is null && msgId is not null)
            {
                return $"{FromUserName}:{msgId}";
            }

            // Events (and the odd message without MsgId) repeat these four on every retry. Send receipts
            // (TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH) also carry the send's MsgID: two receipts to one user
            // in the same second are two receipts, not a retry.
            return string.Create(CultureInfo.InvariantCulture,
                $"{FromUserName}:{CreateTime}:{eventName ?? MsgType}:{Xml.Field("EventKey")}{(Xml.Field("MsgID") is { } receiptOf ? ":" + receiptOf : "")}");
        }
    }

    /// <summary>Parses a decrypted (or plaintext-mode) callback body.</summary>
    /// <exception cref="WechatMessageFormatException">Unsafe or malformed XML, or a common field missing.</exception>
    public static WechatInboundMessage Parse(string xml, int maxBytes = WechatXml.DefaultMaxBytes) =>
        FromXml(WechatXml.Parse(xml, maxBytes));

    /// <summary>Builds the typed message for an already parsed body.</summary>
    public static WechatInboundMessage FromXml(WechatXmlElement xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        var msgType = xml.Required("MsgType");
        return msgType.ToLowerInvariant() switch
        {
            "text" => new WechatTextMessage(xml),
            "image" => new WechatImageMessage(xml),
            "voice" => new WechatVoiceMessage(xml),
            "video" => new WechatVideoMessage(xml),
            "shortvideo" => new WechatShortVideoMessage(xml),
            "location" => new WechatLocationMessage(xml),
            "link" => new WechatLinkMessage(xml),
            "miniprogrampage" => new WechatMiniProgramPageMessage(xml),
            "event" => WechatEvent.Create(xml),
            _ => new WechatUnknownMessage(xml),
        };
    }
}

/// <summary>A message or event type this model does not know. Log it and answer "success".</summary>
public sealed record WechatUnknownMessage : WechatInboundMessage
{
    internal WechatUnknownMessage(WechatXmlElement xml)
        : base(xml) => Event = xml.Field("Event");

    /// <summary>The <c>Event</c> when <see cref="WechatInboundMessage.MsgType"/> is <c>event</c>.</summary>
    public string? Event { get; init; }
}

/// <summary>Typed reads of leaf fields.</summary>
internal static class WechatXmlFieldExtensions
{
    public static string Required(this WechatXmlElement xml, string name) =>
        xml.Field(name) ?? throw new WechatMessageFormatException(WechatMessageFormatError.MissingField,
            $"The message has no <{name}>.");

    public static string Text(this WechatXmlElement xml, string name) => xml.Field(name) ?? string.Empty;

    public static long? Int64(this WechatXmlElement xml, string name) =>
        long.TryParse(xml.Field(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static int? Int32(this WechatXmlElement xml, string name) =>
        int.TryParse(xml.Field(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static double? Double(this WechatXmlElement xml, string name) =>
        double.TryParse(xml.Field(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
}
