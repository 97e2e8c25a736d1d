namespace WechatKepu.Wechat.Crypto;

/// <summary>Why a WeChat message could not be verified or decrypted.</summary>
public enum WechatCryptoError
{
    /// <summary>The <c>signature</c> or <c>msg_signature</c> does not match.</summary>
    InvalidSignature,

    /// <summary>The <c>Encrypt</c> value is not Base64.</summary>
    InvalidBase64,

    /// <summary>The ciphertext is empty, truncated, or not a whole number of 32-byte blocks.</summary>
    InvalidLength,

    /// <summary>The PKCS#7 padding (1..32 bytes) is malformed.</summary>
    InvalidPadding,

    /// <summary>The big-endian length field points outside the plaintext.</summary>
    InvalidMessageLength,

    /// <summary>The trailing appId is not ours.</summary>
    AppIdMismatch,

    /// <summary>The EncodingAESKey is not 43 Base64 characters decoding to 32 bytes.</summary>
    InvalidAesKey,
}
