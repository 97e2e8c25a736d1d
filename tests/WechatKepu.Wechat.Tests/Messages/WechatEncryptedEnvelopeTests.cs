using WechatKepu.Wechat.Messages;

namespace WechatKepu.Wechat.Tests.Messages;

public sealed class WechatEncryptedEnvelopeTests
{
    [Fact]
    public void Parse_reads_a_safe_mode_body()
    {
        var envelope = WechatEncryptedEnvelope.Parse(
            "<xml><ToUserName><![CDATA[gh_kepu]]></ToUserName><Encrypt><![CDATA[c2VjcmV0]]></Encrypt></xml>");

        Assert.Equal("gh_kepu", envelope.ToUserName);
        Assert.Equal("c2VjcmV0", envelope.Encrypt);
        Assert.False(envelope.IsCompatibleMode);
        Assert.Null(envelope.ReadPlainMessage());
    }

    [Fact]
    public void Parse_reads_the_plain_fields_of_a_compatible_mode_body()
    {
        var envelope = WechatEncryptedEnvelope.Parse("""
            <xml><ToUserName><![CDATA[gh_kepu]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName>
            <CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content>
            <MsgId>6054768590064713728</MsgId><Encrypt><![CDATA[c2VjcmV0]]></Encrypt></xml>
            """);

        Assert.True(envelope.IsCompatibleMode);
        Assert.Equal("hi", Assert.IsType<WechatTextMessage>(envelope.ReadPlainMessage()).Content);
    }

    [Fact]
    public void Parse_refuses_a_body_without_encrypt()
    {
        var ex = Assert.Throws<WechatMessageFormatException>(() =>
            WechatEncryptedEnvelope.Parse("<xml><ToUserName>gh</ToUserName><Encrypt></Encrypt></xml>"));

        Assert.Equal(WechatMessageFormatError.MissingField, ex.Error);
    }

    [Fact]
    public void Parse_refuses_an_entity_in_the_envelope()
    {
        var ex = Assert.Throws<WechatMessageFormatException>(() => WechatEncryptedEnvelope.Parse(
            "<!DOCTYPE xml [<!ENTITY e SYSTEM \"http://attacker/\">]><xml><Encrypt>&e;</Encrypt></xml>"));

        Assert.Equal(WechatMessageFormatError.DtdProhibited, ex.Error);
    }
}
