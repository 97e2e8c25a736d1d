namespace WechatKepu.Wechat.Messages;

/// <summary>What was wrong with a callback body.</summary>
public enum WechatMessageFormatError
{
    /// <summary>Not well-formed XML, not rooted in <c>&lt;xml&gt;</c>, or nested too deeply.</summary>
    Malformed,

    /// <summary>A DOCTYPE/entity declaration: refused outright (XXE, entity expansion).</summary>
    DtdProhibited,

    /// <summary>The body is larger than the configured cap.</summary>
    TooLarge,

    /// <summary>A field WeChat always sends is missing or not a number.</summary>
    MissingField,
}

/// <summary>A callback body could not be read as a WeChat XML message.</summary>
public sealed class WechatMessageFormatException(WechatMessageFormatError error, string message, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>What was wrong.</summary>
    public WechatMessageFormatError Error { get; } = error;
}
