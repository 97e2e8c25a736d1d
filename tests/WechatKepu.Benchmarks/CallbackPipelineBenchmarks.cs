using BenchmarkDotNet.Attributes;
using WechatKepu.Wechat.Crypto;
using WechatKepu.Wechat.Messages;

namespace WechatKepu.Benchmarks;

/// <summary>
/// One safe-mode text callback end to end, minus HTTP and the database: verify msg_signature, decrypt,
/// parse, build a text reply, encrypt and sign it. Issue 3 asks for ~20k of these a second on 2 cores.
/// </summary>
[MemoryDiagnoser]
public class CallbackPipelineBenchmarks
{
    private const string Token = "kepuToken";
    private const string AppId = "wx0123456789abcdef";
    private const string Timestamp = "1764400000";
    private const string Nonce = "1372623149";

    private WechatMessageCrypto _crypto = null!;
    private string _body = null!;
    private string _msgSignature = null!;
    private string _inboundXml = null!;
    private string _replyXml = null!;

    [GlobalSetup]
    public void Setup()
    {
        _crypto = new WechatMessageCrypto(Token, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", AppId,
            previousEncodingAesKey: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C");
        const string inbound = """
            <xml><ToUserName><![CDATA[gh_kepu2026]]></ToUserName><FromUserName><![CDATA[oV5CrjpxgaGXNHIQigzNlgLTnwic]]></FromUserName><CreateTime>1764400000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[报名 周六天文馆观星活动 2 人]]></Content><MsgId>24912345678901234</MsgId></xml>
            """;
        var encrypt = _crypto.Encrypt(inbound);
        _msgSignature = WechatSignature.Compute(Token, Timestamp, Nonce, encrypt);
        _inboundXml = inbound;
        _replyXml = new WechatTextReply("已收到：报名 周六天文馆观星活动 2 人").ToXml("oV5CrjpxgaGXNHIQigzNlgLTnwic", "gh_kepu2026", 1764400000);
        _body = $"<xml><ToUserName><![CDATA[gh_kepu2026]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>";
    }

    [GlobalCleanup]
    public void Cleanup() => _crypto.Dispose();

    /// <summary>The whole callback: what one request costs in CPU.</summary>
    [Benchmark(Baseline = true)]
    public string VerifyDecryptParseReplyEncrypt()
    {
        var xml = _crypto.DecryptMessage(_msgSignature, Timestamp, Nonce, _body);
        var message = (WechatTextMessage)WechatInboundMessage.Parse(xml);
        var reply = new WechatTextReply($"已收到：{message.Content}").ToXml(message, message.CreateTime);
        return _crypto.EncryptReply(reply, Timestamp, Nonce);
    }

    /// <summary>Stage: parse the envelope, check msg_signature, decrypt.</summary>
    [Benchmark]
    public string VerifyAndDecrypt() => _crypto.DecryptMessage(_msgSignature, Timestamp, Nonce, _body);

    /// <summary>Stage: the safe XML reader and the typed model.</summary>
    [Benchmark]
    public WechatInboundMessage ParseInbound() => WechatInboundMessage.Parse(_inboundXml);

    /// <summary>Stage: encrypt and sign a reply.</summary>
    [Benchmark]
    public string EncryptReply() => _crypto.EncryptReply(_replyXml, Timestamp, Nonce);
}
