using System.Text;

namespace WechatKepu.Wechat.Messages;

/// <summary>
/// The outer body of an encrypted callback. Safe mode sends only <c>ToUserName</c> and <c>Encrypt</c>;
/// compatible mode also sends the plaintext fields, available through <see cref="Root"/> and
/// <see cref="ReadPlainMessage"/>.
/// </summary>
public sealed class WechatEncryptedEnvelope
{
    /// <summary>
    /// Default cap for an encrypted body: Base64 grows a 64 KB message by a third, and compatible mode
    /// carries the plaintext fields beside it.
    /// </summary>
    public const int DefaultMaxBytes = 2 * WechatXml.DefaultMaxBytes;

    private WechatEncryptedEnvelope(WechatXmlElement root, string encrypt)
    {
        Root = root;
        Encrypt = encrypt;
    }

    /// <summary>The <c>ToUserName</c> (our account's original id), when present.</summary>
    public string? ToUserName => Root.Field("ToUserName");

    /// <summary>The Base64 ciphertext.</summary>
    public string Encrypt { get; }

    /// <summary>All fields of the body.</summary>
    public WechatXmlElement Root { get; }

    /// <summary>Whether the body also carries the message in plaintext (compatible mode).</summary>
    public bool IsCompatibleMode => Root.Field("MsgType") is not null;

    /// <summary>Reads a safe- or compatible-mode body.</summary>
    /// <exception cref="WechatMessageFormatException">Unsafe or malformed XML, or no <c>Encrypt</c> element.</exception>
    public static WechatEncryptedEnvelope Parse(string postBodyXml, int maxBytes = DefaultMaxBytes)
    {
        var root = WechatXml.Parse(postBodyXml, maxBytes);
        var encrypt = root.Field("Encrypt");
        if (string.IsNullOrEmpty(encrypt))
        {
            throw new WechatMessageFormatException(WechatMessageFormatError.MissingField,
                "An encrypted callback body has an <Encrypt> element.");
        }

        return new WechatEncryptedEnvelope(root, encrypt);
    }

    /// <summary>
    /// The plaintext copy of a compatible-mode message. Unauthenticated: trust only the decrypted
    /// <see cref="Encrypt"/>; this is for logging and diagnostics.
    /// </summary>
    /// <returns><see langword="null"/> in safe mode.</returns>
    public WechatInboundMessage? ReadPlainMessage() => IsCompatibleMode ? WechatInboundMessage.FromXml(Root) : null;

    /// <summary>Writes the encrypted reply envelope.</summary>
    internal static string Write(string encrypt, string msgSignature, string timestamp, string nonce)
    {
        // The timestamp is written without CDATA, as WeChat does, so it must not be able to carry markup.
        if (timestamp.Length == 0 || timestamp.AsSpan().ContainsAnyExceptInRange('0', '9'))
        {
            throw new ArgumentException("The timestamp is Unix seconds, digits only.", nameof(timestamp));
        }

        return new StringBuilder(encrypt.Length + nonce.Length + 160)
            .Append("<xml>")
            .AppendCdata("Encrypt", encrypt)
            .AppendCdata("MsgSignature", msgSignature)
            .AppendRaw("TimeStamp", timestamp)
            .AppendCdata("Nonce", nonce)
            .Append("</xml>")
            .ToString();
    }
}
