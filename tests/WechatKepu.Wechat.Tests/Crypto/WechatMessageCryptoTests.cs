using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using WechatKepu.Wechat.Crypto;
using WechatKepu.Wechat.Messages;
using static WechatKepu.Wechat.Tests.Crypto.OfficialSamples;

namespace WechatKepu.Wechat.Tests.Crypto;

public sealed class WechatMessageCryptoTests
{
    private const string Token = "kepuToken";
    private const string AppId = "wx0123456789abcdef";
    private const string Key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    private const string OtherKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

    [Fact]
    public void DecryptMessage_reads_the_official_safe_mode_sample()
    {
        using var crypto = new WechatMessageCrypto(WorkToken, WorkAesKey, WorkCorpId);

        var xml = crypto.DecryptMessage(MessageSignature, MessageTimestamp, MessageNonce, MessageBody);

        var root = WechatXml.Parse(xml);
        Assert.Equal("text", root.Field("MsgType"));
        Assert.Equal("wx5823bf96d3bd56c7", root.Field("ToUserName"));
        Assert.False(string.IsNullOrEmpty(root.Field("Content")));
    }

    [Fact]
    public void Decrypt_reads_the_official_url_verification_echostr()
    {
        using var crypto = new WechatMessageCrypto(WorkToken, WorkAesKey, WorkCorpId);

        var echo = crypto.Decrypt(VerifyEchoStr);

        Assert.NotEmpty(echo);
        Assert.All(echo, c => Assert.True(char.IsAsciiDigit(c)));
    }

    [Fact]
    public void DecryptMessage_reads_the_official_compatible_mode_sample_and_matches_its_plaintext_copy()
    {
        using var crypto = new WechatMessageCrypto(MpToken, MpAesKey, MpAppId);

        var xml = crypto.DecryptMessage(MpMsgSignature, MpTimestamp, MpNonce, MpCompatibleBody);

        var decrypted = Assert.IsType<WechatTextMessage>(WechatInboundMessage.Parse(xml));
        var plain = Assert.IsType<WechatTextMessage>(WechatEncryptedEnvelope.Parse(MpCompatibleBody).ReadPlainMessage());
        Assert.Equal(plain.Content, decrypted.Content);
        Assert.Equal(plain.MsgId, decrypted.MsgId);
    }

    [Fact]
    public void Encrypt_reproduces_the_official_java_sample_byte_for_byte()
    {
        using var crypto = new WechatMessageCrypto(JavaToken, MpAesKey, JavaAppId);

        var encrypted = crypto.Encrypt(JavaMessage, Encoding.ASCII.GetBytes(JavaRandom));

        Assert.Equal(JavaCiphertext, encrypted);
        Assert.Equal(JavaMessage, crypto.Decrypt(JavaCiphertext));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("<xml><Content><![CDATA[科普周末：天文馆开放日]]></Content></xml>")]
    [InlineData("我是中文abcd123，带标点的中文消息😀")]
    public void Encrypt_then_Decrypt_round_trips_any_text(string message)
    {
        using var crypto = new WechatMessageCrypto(Token, Key, AppId);

        Assert.Equal(message, crypto.Decrypt(crypto.Encrypt(message)));
    }

    [Theory]
    [InlineData(17)]
    [InlineData(24)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(1)]
    [InlineData(16)]
    public void Encrypt_pads_to_32_byte_blocks_including_pads_longer_than_an_aes_block(int expectedPad)
    {
        using var crypto = new WechatMessageCrypto(Token, Key, AppId);
        // 20 header bytes + message + 18 appId bytes + pad must be a multiple of 32.
        var messageLength = (((-(20 + AppId.Length + expectedPad)) % 32) + 32) % 32 + 32;
        var message = new string('m', messageLength);

        var encrypted = crypto.Encrypt(message);

        var plain = DecryptRaw(Key, encrypted);
        Assert.Equal(0, plain.Length % 32);
        Assert.Equal(expectedPad, plain[^1]);
        Assert.All(plain[^expectedPad..], b => Assert.Equal(expectedPad, b));
        Assert.Equal(message, crypto.Decrypt(encrypted));
    }

    [Fact]
    public void Encrypt_uses_a_fresh_random_prefix_each_time()
    {
        using var crypto = new WechatMessageCrypto(Token, Key, AppId);

        Assert.NotEqual(crypto.Encrypt("same"), crypto.Encrypt("same"));
    }

    [Fact]
    public void Decrypt_rejects_message_for_another_appid()
    {
        using var sender = new WechatMessageCrypto(Token, Key, "wxSomeoneElse00000");
        using var receiver = new WechatMessageCrypto(Token, Key, AppId);

        var ex = Assert.Throws<WechatCryptoException>(() => receiver.Decrypt(sender.Encrypt("<xml/>")));

        Assert.Equal(WechatCryptoError.AppIdMismatch, ex.Error);
    }

    [Fact]
    public void Decrypt_rejects_an_appid_that_is_only_a_prefix_of_ours()
    {
        using var sender = new WechatMessageCrypto(Token, Key, AppId[..^1]);
        using var receiver = new WechatMessageCrypto(Token, Key, AppId);

        var ex = Assert.Throws<WechatCryptoException>(() => receiver.Decrypt(sender.Encrypt("<xml/>")));

        Assert.Equal(WechatCryptoError.AppIdMismatch, ex.Error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    [InlineData(200)]
    public void Decrypt_rejects_a_padding_byte_outside_1_to_32(int padByte)
    {
        var plain = BuildPlaintext("<xml/>", AppId);
        plain[^1] = (byte)padByte;

        var ex = Assert.Throws<WechatCryptoException>(() => Crypto().Decrypt(EncryptRaw(Key, plain)));

        Assert.Equal(WechatCryptoError.InvalidPadding, ex.Error);
    }

    [Fact]
    public void Decrypt_rejects_padding_bytes_that_disagree()
    {
        var plain = BuildPlaintext("<xml/>", AppId);
        int pad = plain[^1];
        Assert.True(pad >= 2);
        plain[^pad] ^= 0x01;

        var ex = Assert.Throws<WechatCryptoException>(() => Crypto().Decrypt(EncryptRaw(Key, plain)));

        Assert.Equal(WechatCryptoError.InvalidPadding, ex.Error);
    }

    [Fact]
    public void Decrypt_rejects_a_length_field_pointing_past_the_plaintext()
    {
        var plain = BuildPlaintext("<xml/>", AppId);
        BinaryPrimitives.WriteUInt32BigEndian(plain.AsSpan(16), 10_000);

        var ex = Assert.Throws<WechatCryptoException>(() => Crypto().Decrypt(EncryptRaw(Key, plain)));

        Assert.Equal(WechatCryptoError.InvalidMessageLength, ex.Error);
    }

    [Fact]
    public void Decrypt_rejects_ciphertext_truncated_by_a_whole_aes_block()
    {
        var encrypted = Convert.FromBase64String(Crypto().Encrypt(new string('x', 100)));

        var ex = Assert.Throws<WechatCryptoException>(() => Crypto().Decrypt(Convert.ToBase64String(encrypted[..^16])));

        Assert.Equal(WechatCryptoError.InvalidLength, ex.Error);
    }

    [Fact]
    public void Decrypt_rejects_ciphertext_truncated_mid_block()
    {
        var encrypted = Convert.FromBase64String(Crypto().Encrypt("<xml/>"));

        var ex = Assert.Throws<WechatCryptoException>(() => Crypto().Decrypt(Convert.ToBase64String(encrypted[..^5])));

        Assert.Equal(WechatCryptoError.InvalidLength, ex.Error);
    }

    [Fact]
    public void Decrypt_rejects_empty_ciphertext()
    {
        var ex = Assert.Throws<WechatCryptoException>(() => Crypto().Decrypt(""));

        Assert.Equal(WechatCryptoError.InvalidLength, ex.Error);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("abc")]
    [InlineData("<script>")]
    public void Decrypt_rejects_non_base64(string encrypted)
    {
        var ex = Assert.Throws<WechatCryptoException>(() => Crypto().Decrypt(encrypted));

        Assert.Equal(WechatCryptoError.InvalidBase64, ex.Error);
    }

    [Fact]
    public void DecryptMessage_rejects_a_bad_signature_before_decrypting()
    {
        using var crypto = new WechatMessageCrypto(WorkToken, WorkAesKey, WorkCorpId);
        var wrong = "0" + MessageSignature[1..];

        var ex = Assert.Throws<WechatCryptoException>(() =>
            crypto.DecryptMessage(wrong, MessageTimestamp, MessageNonce, MessageBody));

        Assert.Equal(WechatCryptoError.InvalidSignature, ex.Error);
    }

    [Fact]
    public void DecryptMessage_rejects_a_replayed_body_with_another_timestamp()
    {
        using var crypto = new WechatMessageCrypto(WorkToken, WorkAesKey, WorkCorpId);

        var ex = Assert.Throws<WechatCryptoException>(() =>
            crypto.DecryptMessage(MessageSignature, "1409659814", MessageNonce, MessageBody));

        Assert.Equal(WechatCryptoError.InvalidSignature, ex.Error);
    }

    [Fact]
    public void DecryptMessage_rejects_a_body_without_encrypt()
    {
        var ex = Assert.Throws<WechatMessageFormatException>(() =>
            Crypto().DecryptMessage("x", "1", "2", "<xml><ToUserName><![CDATA[gh_1]]></ToUserName></xml>"));

        Assert.Equal(WechatMessageFormatError.MissingField, ex.Error);
    }

    [Fact]
    public void Decrypt_accepts_a_message_sealed_with_the_previous_key_during_rotation()
    {
        using var beforeRotation = new WechatMessageCrypto(Token, OtherKey, AppId);
        using var rotating = new WechatMessageCrypto(Token, Key, AppId, previousEncodingAesKey: OtherKey);

        var sealedWithOldKey = beforeRotation.Encrypt("旧密钥的消息");

        Assert.Equal("旧密钥的消息", rotating.Decrypt(sealedWithOldKey));
        Assert.Equal("新", rotating.Decrypt(rotating.Encrypt("新")));
    }

    [Fact]
    public void Encrypt_during_rotation_uses_the_current_key()
    {
        using var rotating = new WechatMessageCrypto(Token, Key, AppId, previousEncodingAesKey: OtherKey);
        using var currentOnly = new WechatMessageCrypto(Token, Key, AppId);

        Assert.Equal("reply", currentOnly.Decrypt(rotating.Encrypt("reply")));
    }

    [Fact]
    public void Decrypt_rejects_a_message_sealed_with_an_unknown_key()
    {
        using var stranger = new WechatMessageCrypto(Token, "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut", AppId);
        using var rotating = new WechatMessageCrypto(Token, Key, AppId, previousEncodingAesKey: OtherKey);

        var ex = Assert.Throws<WechatCryptoException>(() => rotating.Decrypt(stranger.Encrypt("<xml>secret</xml>")));

        Assert.NotEqual(WechatCryptoError.InvalidBase64, ex.Error);
        Assert.NotEqual(WechatCryptoError.InvalidLength, ex.Error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF=")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF!")]
    public void Constructor_rejects_a_malformed_encoding_aes_key(string key)
    {
        var ex = Assert.Throws<ArgumentException>(() => new WechatMessageCrypto(Token, key, AppId));

        Assert.Equal("encodingAesKey", ex.ParamName);
        Assert.Equal(WechatCryptoError.InvalidAesKey, Assert.IsType<WechatCryptoException>(ex.InnerException).Error);
    }

    [Fact]
    public void Constructor_rejects_a_malformed_previous_key()
    {
        var ex = Assert.Throws<ArgumentException>(() => new WechatMessageCrypto(Token, Key, AppId, "short"));

        Assert.Equal("previousEncodingAesKey", ex.ParamName);
    }

    [Fact]
    public void EncryptReply_builds_a_signed_envelope_that_DecryptMessage_accepts()
    {
        using var crypto = new WechatMessageCrypto(Token, Key, AppId);
        var reply = new WechatTextReply("欢迎来到科普月 ]]> <b>").ToXml("oUser", "gh_kepu", 1_764_000_000);

        var envelope = crypto.EncryptReply(reply, "1764000000", "nonce]]>x");

        var root = WechatXml.Parse(envelope);
        Assert.Equal(["Encrypt", "MsgSignature", "TimeStamp", "Nonce"], root.Children.Select(c => c.Name));
        Assert.Equal("1764000000", root.Field("TimeStamp"));
        Assert.Equal("nonce]]>x", root.Field("Nonce"));
        Assert.True(WechatSignature.VerifyMessage(Token, "1764000000", "nonce]]>x", root.Field("Encrypt"), root.Field("MsgSignature")));
        var decrypted = crypto.DecryptMessage(root.Field("MsgSignature"), "1764000000", "nonce]]>x", envelope);
        Assert.Equal("欢迎来到科普月 ]]> <b>", Assert.IsType<WechatTextMessage>(WechatInboundMessage.Parse(decrypted)).Content);
    }

    [Fact]
    public void EncryptReply_rejects_a_timestamp_that_is_not_digits()
    {
        Assert.Throws<ArgumentException>(() => Crypto().EncryptReply("<xml/>", "1<x/>", "n"));
    }

    [Fact]
    public async Task A_shared_instance_decrypts_concurrently()
    {
        using var crypto = new WechatMessageCrypto(Token, Key, AppId, OtherKey);
        var tasks = Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 200; i++)
            {
                var message = $"worker {worker} message {i} 中文";
                Assert.Equal(message, crypto.Decrypt(crypto.Encrypt(message)));
            }
        }));

        await Task.WhenAll(tasks);
    }

    private static WechatMessageCrypto Crypto() => new(Token, Key, AppId);

    /// <summary>A well-formed plaintext, for tests that then corrupt one field.</summary>
    private static byte[] BuildPlaintext(string message, string appId)
    {
        var body = Encoding.UTF8.GetBytes(message);
        var id = Encoding.UTF8.GetBytes(appId);
        var content = 20 + body.Length + id.Length;
        var pad = 32 - (content % 32);
        var plain = new byte[content + pad];
        RandomNumberGenerator.Fill(plain.AsSpan(0, 16));
        BinaryPrimitives.WriteUInt32BigEndian(plain.AsSpan(16), (uint)body.Length);
        body.CopyTo(plain, 20);
        id.CopyTo(plain, 20 + body.Length);
        plain.AsSpan(content).Fill((byte)pad);
        return plain;
    }

    private static string EncryptRaw(string encodingAesKey, byte[] plain)
    {
        using var aes = Aes.Create();
        aes.Key = Convert.FromBase64String(encodingAesKey + "=");
        return Convert.ToBase64String(aes.EncryptCbc(plain, aes.Key[..16], PaddingMode.None));
    }

    private static byte[] DecryptRaw(string encodingAesKey, string encrypted)
    {
        using var aes = Aes.Create();
        aes.Key = Convert.FromBase64String(encodingAesKey + "=");
        return aes.DecryptCbc(Convert.FromBase64String(encrypted), aes.Key[..16], PaddingMode.None);
    }
}
