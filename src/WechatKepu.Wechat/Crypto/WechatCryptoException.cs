namespace WechatKepu.Wechat.Crypto;

/// <summary>
/// A callback failed signature verification or decryption. <see cref="Error"/> says which check failed.
/// </summary>
/// <remarks>
/// Log <see cref="Error"/>, but answer the caller with one generic failure: telling a client which check
/// failed (padding versus appId, say) is what turns a decryptor into a padding oracle.
/// </remarks>
public sealed class WechatCryptoException(WechatCryptoError error, string message)
    : Exception(message)
{
    /// <summary>Which check failed.</summary>
    public WechatCryptoError Error { get; } = error;
}
