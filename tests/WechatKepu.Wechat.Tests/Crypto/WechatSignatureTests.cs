using WechatKepu.Wechat.Crypto;
using static WechatKepu.Wechat.Tests.Crypto.OfficialSamples;

namespace WechatKepu.Wechat.Tests.Crypto;

public sealed class WechatSignatureTests
{
    [Fact]
    public void VerifyMessage_accepts_the_official_url_verification_sample()
    {
        Assert.True(WechatSignature.VerifyMessage(WorkToken, VerifyTimestamp, VerifyNonce, VerifyEchoStr, VerifyMsgSignature));
    }

    [Fact]
    public void Compute_matches_the_official_msg_signature_whatever_the_order_of_parts()
    {
        var encrypt = WechatKepu.Wechat.Messages.WechatEncryptedEnvelope.Parse(MpCompatibleBody).Encrypt;

        Assert.Equal(MpMsgSignature, WechatSignature.Compute(MpToken, MpTimestamp, MpNonce, encrypt));
        Assert.Equal(MpMsgSignature, WechatSignature.Compute(encrypt, MpNonce, MpToken, MpTimestamp));
    }

    [Fact]
    public void Verify_accepts_the_plain_signature_of_token_timestamp_and_nonce()
    {
        // Computed independently: python3 -c "import hashlib; print(hashlib.sha1(''.join(sorted(
        // ['QDG6eK','1409659589','263014780'])).encode()).hexdigest())"
        const string expected = "93d1cec91cee4a4a8baada4c807ed13137622215";

        Assert.Equal(expected, WechatSignature.Compute(WorkToken, VerifyTimestamp, VerifyNonce));
        Assert.True(WechatSignature.Verify(WorkToken, VerifyTimestamp, VerifyNonce, expected));
    }

    [Theory]
    [InlineData("93d1cec91cee4a4a8baada4c807ed13137622216")]
    [InlineData("93D1CEC91CEE4A4A8BAADA4C807ED13137622215")]
    [InlineData("93d1cec91cee4a4a8baada4c807ed1313762221")]
    [InlineData("")]
    [InlineData(null)]
    public void Verify_rejects_a_signature_that_differs_in_any_way(string? signature)
    {
        Assert.False(WechatSignature.Verify(WorkToken, VerifyTimestamp, VerifyNonce, signature));
    }

    [Fact]
    public void Verify_rejects_missing_timestamp_or_nonce()
    {
        Assert.False(WechatSignature.Verify(WorkToken, null, VerifyNonce, "93d1cec91cee4a4a8baada4c807ed13137622215"));
        Assert.False(WechatSignature.Verify(WorkToken, VerifyTimestamp, null, "93d1cec91cee4a4a8baada4c807ed13137622215"));
    }

    [Fact]
    public void VerifyMessage_rejects_a_tampered_encrypt_value()
    {
        Assert.False(WechatSignature.VerifyMessage(WorkToken, VerifyTimestamp, VerifyNonce, VerifyEchoStr + "A", VerifyMsgSignature));
    }

    [Fact]
    public void Compute_handles_parts_longer_than_the_stack_buffer()
    {
        var longPart = new string('x', 5000);

        Assert.Equal(40, WechatSignature.Compute("token", "1", "2", longPart).Length);
        Assert.True(WechatSignature.VerifyMessage("token", "1", "2", longPart, WechatSignature.Compute(longPart, "2", "1", "token")));
    }
}
