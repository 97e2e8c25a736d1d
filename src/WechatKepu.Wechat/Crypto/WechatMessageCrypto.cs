using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using WechatKepu.Wechat.Messages;

namespace WechatKepu.Wechat.Crypto;

/// <summary>
/// WXBizMsgCrypt-compatible message encryption for the official account's safe and compatible modes.
/// </summary>
/// <remarks>
/// <para>Ciphertext = AES-256-CBC (key = Base64(EncodingAESKey + "="), IV = first 16 key bytes, no library
/// padding) over 16 random bytes ‖ uint32 big-endian message length ‖ UTF-8 message ‖ appId, PKCS#7-padded
/// to a multiple of 32 bytes. .NET's <see cref="PaddingMode.PKCS7"/> pads to the 16-byte AES block, which
/// WeChat rejects, so the padding is done here.</para>
/// <para>During a key rotation pass the old EncodingAESKey as <c>previousEncodingAesKey</c>: decryption
/// tries the current key, then the previous one; encryption always uses the current key.</para>
/// <para>One instance is meant to be shared (a singleton): after construction it holds only immutable
/// state and uses the one-shot AES APIs, which keep no per-call state on the instance.</para>
/// </remarks>
public sealed class WechatMessageCrypto : IDisposable
{
    /// <summary>Length of a valid EncodingAESKey.</summary>
    public const int EncodingAesKeyLength = 43;

    private const int RandomLength = 16;
    private const int HeaderLength = RandomLength + sizeof(uint);
    private const int PaddingBlock = 32;

    private readonly string _token;
    private readonly byte[] _appId;
    private readonly AesKey _current;
    private readonly AesKey? _previous;

    /// <summary>Creates a crypto for one official account or mini-program.</summary>
    /// <param name="token">The Token configured on the platform (signs requests and replies).</param>
    /// <param name="encodingAesKey">The current 43-character EncodingAESKey.</param>
    /// <param name="appId">Our appId: every decrypted message must end with it.</param>
    /// <param name="previousEncodingAesKey">The EncodingAESKey before a rotation, still accepted for decryption.</param>
    /// <exception cref="ArgumentException">A key is malformed; the inner <see cref="WechatCryptoException"/> has <see cref="WechatCryptoError.InvalidAesKey"/>.</exception>
    public WechatMessageCrypto(string token, string encodingAesKey, string appId, string? previousEncodingAesKey = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        ArgumentException.ThrowIfNullOrEmpty(appId);
        _token = token;
        _appId = Encoding.UTF8.GetBytes(appId);
        AppId = appId;
        _current = AesKey.Parse(encodingAesKey, nameof(encodingAesKey));
        _previous = previousEncodingAesKey is null ? null : AesKey.Parse(previousEncodingAesKey, nameof(previousEncodingAesKey));
    }

    /// <summary>The appId messages must carry.</summary>
    public string AppId { get; }

    /// <summary>Encrypts <paramref name="message"/> with the current key and a fresh random prefix.</summary>
    /// <returns>The Base64 ciphertext, the value of an <c>&lt;Encrypt&gt;</c> element.</returns>
    public string Encrypt(string message) => Encrypt(message, []);

    /// <summary>
    /// Encrypts with a chosen 16-byte prefix instead of random bytes. Only for reproducing the published
    /// test vectors: a fixed prefix makes equal messages produce equal ciphertexts.
    /// </summary>
    internal string Encrypt(string message, ReadOnlySpan<byte> fixedRandomPrefix)
    {
        ArgumentNullException.ThrowIfNull(message);
        var messageLength = Encoding.UTF8.GetByteCount(message);
        var contentLength = HeaderLength + messageLength + _appId.Length;
        var padding = PaddingBlock - (contentLength % PaddingBlock);
        var totalLength = contentLength + padding;

        var plain = ArrayPool<byte>.Shared.Rent(totalLength);
        var cipher = ArrayPool<byte>.Shared.Rent(totalLength);
        try
        {
            var span = plain.AsSpan(0, totalLength);
            if (fixedRandomPrefix.Length == RandomLength)
            {
                fixedRandomPrefix.CopyTo(span);
            }
            else
            {
                RandomNumberGenerator.Fill(span[..RandomLength]);
            }

            BinaryPrimitives.WriteUInt32BigEndian(span[RandomLength..], (uint)messageLength);
            Encoding.UTF8.GetBytes(message, span[HeaderLength..]);
            _appId.CopyTo(span[(HeaderLength + messageLength)..]);
            span[contentLength..].Fill((byte)padding);

            var written = _current.Aes.EncryptCbc(span, _current.Iv, cipher, PaddingMode.None);
            return Convert.ToBase64String(cipher.AsSpan(0, written));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain.AsSpan(0, totalLength));
            ArrayPool<byte>.Shared.Return(plain);
            ArrayPool<byte>.Shared.Return(cipher);
        }
    }

    /// <summary>Decrypts an <c>Encrypt</c> value with the current key, falling back to the previous key.</summary>
    /// <returns>The plaintext message (the inner XML).</returns>
    /// <exception cref="WechatCryptoException">The value is not a well-formed message for our appId under either key.</exception>
    public string Decrypt(string encrypted)
    {
        ArgumentNullException.ThrowIfNull(encrypted);

        // Base64 never decodes to more than 3 bytes per 4 characters.
        var cipher = ArrayPool<byte>.Shared.Rent((encrypted.Length / 4 * 3) + 3);
        byte[]? plain = null;
        var length = 0;
        try
        {
            if (!Convert.TryFromBase64String(encrypted, cipher, out length))
            {
                throw new WechatCryptoException(WechatCryptoError.InvalidBase64, "The Encrypt value is not Base64.");
            }

            // WeChat always pads to 32 bytes, so anything else was cut short or never came from WeChat.
            if (length == 0 || length % PaddingBlock != 0)
            {
                throw new WechatCryptoException(WechatCryptoError.InvalidLength,
                    $"The ciphertext is {length} bytes, not a positive multiple of {PaddingBlock}.");
            }

            plain = ArrayPool<byte>.Shared.Rent(length);
            var ciphertext = cipher.AsSpan(0, length);
            var error = TryDecrypt(_current, ciphertext, plain, out var message);
            if (error is null)
            {
                return message!;
            }

            // A message sealed under the old key fails the padding/length/appId checks of the new one
            // (random plaintext), so the fallback is only tried after the current key has failed.
            if (_previous is not null && TryDecrypt(_previous, ciphertext, plain, out message) is null)
            {
                return message!;
            }

            throw new WechatCryptoException(error.Value, Describe(error.Value));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(cipher);
            if (plain is not null)
            {
                CryptographicOperations.ZeroMemory(plain.AsSpan(0, length));
                ArrayPool<byte>.Shared.Return(plain);
            }
        }
    }

    /// <summary>
    /// Verifies the <c>msg_signature</c> of a safe- or compatible-mode POST body, then decrypts its
    /// <c>Encrypt</c> element.
    /// </summary>
    /// <returns>The decrypted inner XML.</returns>
    /// <exception cref="WechatCryptoException">The signature is wrong or decryption failed.</exception>
    /// <exception cref="WechatMessageFormatException">The body is not a safe XML envelope with an Encrypt element.</exception>
    public string DecryptMessage(string? msgSignature, string? timestamp, string? nonce, string postBodyXml)
    {
        var envelope = WechatEncryptedEnvelope.Parse(postBodyXml);
        if (!WechatSignature.VerifyMessage(_token, timestamp, nonce, envelope.Encrypt, msgSignature))
        {
            throw new WechatCryptoException(WechatCryptoError.InvalidSignature, "msg_signature does not match.");
        }

        return Decrypt(envelope.Encrypt);
    }

    /// <summary>Encrypts a passive reply and wraps it in the signed envelope WeChat expects.</summary>
    /// <param name="replyXml">The plaintext reply, as written by <see cref="WechatReply.ToXml(string, string, long)"/>.</param>
    /// <param name="timestamp">Unix seconds, as a string (it is signed as text).</param>
    /// <param name="nonce">A nonce, usually the one of the request.</param>
    /// <returns><c>&lt;xml&gt;&lt;Encrypt/&gt;&lt;MsgSignature/&gt;&lt;TimeStamp/&gt;&lt;Nonce/&gt;&lt;/xml&gt;</c>.</returns>
    public string EncryptReply(string replyXml, string timestamp, string nonce)
    {
        ArgumentNullException.ThrowIfNull(timestamp);
        ArgumentNullException.ThrowIfNull(nonce);
        var encrypt = Encrypt(replyXml);
        var signature = WechatSignature.ComputeMessage(_token, timestamp, nonce, encrypt);
        return WechatEncryptedEnvelope.Write(encrypt, signature, timestamp, nonce);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _current.Dispose();
        _previous?.Dispose();
    }

    /// <summary>Decrypts and checks padding, length field and appId, in that order.</summary>
    /// <returns><see langword="null"/> on success, otherwise the first failed check.</returns>
    private WechatCryptoError? TryDecrypt(AesKey key, ReadOnlySpan<byte> ciphertext, byte[] plainBuffer, out string? message)
    {
        message = null;
        var written = key.Aes.DecryptCbc(ciphertext, key.Iv, plainBuffer, PaddingMode.None);
        var plain = plainBuffer.AsSpan(0, written);

        // The signature was checked before we got here, so the timing of these checks reveals nothing
        // an attacker could not already compute.
        int padding = plain[^1];
        if (padding is < 1 or > PaddingBlock || plain[^padding..].ContainsAnyExcept((byte)padding))
        {
            return WechatCryptoError.InvalidPadding;
        }

        var content = plain[..^padding];
        if (content.Length < HeaderLength)
        {
            return WechatCryptoError.InvalidMessageLength;
        }

        var messageLength = BinaryPrimitives.ReadUInt32BigEndian(content[RandomLength..]);
        if (messageLength > (uint)(content.Length - HeaderLength))
        {
            return WechatCryptoError.InvalidMessageLength;
        }

        var body = content.Slice(HeaderLength, (int)messageLength);
        if (!content[(HeaderLength + (int)messageLength)..].SequenceEqual(_appId))
        {
            return WechatCryptoError.AppIdMismatch;
        }

        message = Encoding.UTF8.GetString(body);
        return null;
    }

    private static string Describe(WechatCryptoError error) => error switch
    {
        WechatCryptoError.InvalidPadding => "The decrypted message has invalid PKCS#7 padding.",
        WechatCryptoError.InvalidMessageLength => "The decrypted message length field is out of range.",
        WechatCryptoError.AppIdMismatch => "The decrypted message is for another appId.",
        _ => $"Decryption failed: {error}.",
    };

    private sealed class AesKey : IDisposable
    {
        private AesKey(Aes aes, byte[] iv)
        {
            Aes = aes;
            Iv = iv;
        }

        public Aes Aes { get; }

        public byte[] Iv { get; }

        public static AesKey Parse(string? encodingAesKey, string paramName)
        {
            Span<byte> key = stackalloc byte[32];
            if (encodingAesKey is null
                || encodingAesKey.Length != EncodingAesKeyLength
                || encodingAesKey.AsSpan().ContainsAnyExcept(Base64Alphabet)
                || !Convert.TryFromBase64String(encodingAesKey + "=", key, out var length)
                || length != key.Length)
            {
                var inner = new WechatCryptoException(WechatCryptoError.InvalidAesKey,
                    $"An EncodingAESKey is {EncodingAesKeyLength} Base64 characters (A-Z, a-z, 0-9, +, /) decoding to 32 bytes.");
                throw new ArgumentException(inner.Message, paramName, inner);
            }

            var aes = Aes.Create();
            aes.Key = key.ToArray();
            CryptographicOperations.ZeroMemory(key);
            return new AesKey(aes, aes.Key.AsSpan(0, 16).ToArray());
        }

        public void Dispose() => Aes.Dispose();

        private static readonly SearchValues<char> Base64Alphabet =
            SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    }
}
