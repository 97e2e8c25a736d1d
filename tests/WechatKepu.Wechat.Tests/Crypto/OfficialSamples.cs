namespace WechatKepu.Wechat.Tests.Crypto;

/// <summary>
/// Values published with WeChat's own WXBizMsgCrypt samples (the official-account PHP/Python/Java samples
/// and the Work WeChat C# sample). Decrypting them proves byte compatibility, which round trips cannot.
/// </summary>
internal static class OfficialSamples
{
    // Work WeChat sample (C#/Java/Python "Sample"): URL verification and a safe-mode message.
    public const string WorkToken = "QDG6eK";
    public const string WorkAesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
    public const string WorkCorpId = "wx5823bf96d3bd56c7";

    public const string VerifyMsgSignature = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3";
    public const string VerifyTimestamp = "1409659589";
    public const string VerifyNonce = "263014780";
    public const string VerifyEchoStr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";

    public const string MessageSignature = "477715d11cdb4164915debcba66cb864d751f3e6";
    public const string MessageTimestamp = "1409659813";
    public const string MessageNonce = "1372623149";
    public const string MessageBody =
        "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>";

    // Official-account sample (compatible mode: plaintext fields beside Encrypt).
    public const string MpToken = "spamtest";
    public const string MpAesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    public const string MpAppId = "wx2c2769f8efd9abc2";
    public const string MpTimestamp = "1409735669";
    public const string MpNonce = "1320562132";
    public const string MpMsgSignature = "5d197aaffba7e9b25a30732f161a50dee96bd5fa";
    public const string MpCompatibleBody =
        "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]></Content><MsgId>6054768590064713728</MsgId><Encrypt><![CDATA[hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=]]></Encrypt></xml>";

    // Official-account Java sample test: a fixed 16-byte prefix makes encryption deterministic.
    public const string JavaToken = "pamtest";
    public const string JavaAppId = "wxb11529c136998cb6";
    public const string JavaRandom = "aaaabbbbccccdddd";
    public const string JavaMessage = "我是中文abcd123";
    public const string JavaCiphertext = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==";
}
