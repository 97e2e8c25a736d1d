using System.Net;
using WechatKepu.Server.Tests.Infrastructure;
using WechatKepu.Simulator.Platform;

namespace WechatKepu.Server.Tests.Callback;

/// <summary>Every refusal is a 4xx ProblemDetails and writes no row.</summary>
public sealed class CallbackRejectionTests(CallbackApp app) : IClassFixture<CallbackApp>
{
    private async Task AssertRefusedAsync(WechatPlatform platform, PlatformRequest request, HttpStatusCode status, string code)
    {
        var before = await app.InboundCountAsync();
        using var client = app.CreateClient();
        using var content = new StringContent(request.Body, System.Text.Encoding.UTF8, "text/xml");
        var response = await client.PostAsync(request.PathAndQuery, content);
        await ProblemAssert.IsProblemAsync(response, status, code);
        Assert.Equal(before, await app.InboundCountAsync());
    }

    [Fact]
    public async Task A_bad_signature_is_refused()
    {
        using var platform = app.Platform(token: "wrong-token");
        await AssertRefusedAsync(platform, platform.Sign(platform.Text("o1", "hi"), CallbackMode.Plaintext), HttpStatusCode.Unauthorized, "callback_signature_invalid");
    }

    [Fact]
    public async Task A_bad_msg_signature_is_refused()
    {
        using var platform = app.Platform();
        var request = platform.Sign(platform.Text("o1", "hi"), CallbackMode.Safe);
        var tampered = request with { PathAndQuery = request.PathAndQuery[..^40] + new string('0', 40) };
        await AssertRefusedAsync(platform, tampered, HttpStatusCode.Unauthorized, "callback_signature_invalid");
    }

    [Fact]
    public async Task A_message_for_another_key_fails_decryption()
    {
        using var platform = app.Platform(aesKey: WechatPlatform.NewEncodingAesKey());
        await AssertRefusedAsync(platform, platform.Sign(platform.Text("o1", "hi"), CallbackMode.Safe), HttpStatusCode.BadRequest, "callback_decrypt_failed");
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    public async Task A_timestamp_outside_the_window_is_refused(int offsetSeconds)
    {
        using var platform = app.Platform();
        var request = platform.Sign(platform.Text("o1", "hi"), CallbackMode.Safe, timestamp: platform.Now + offsetSeconds);
        await AssertRefusedAsync(platform, request, HttpStatusCode.Unauthorized, "callback_timestamp_out_of_window");
    }

    [Fact]
    public async Task A_plaintext_nonce_seen_before_with_another_body_is_refused()
    {
        using var platform = app.Platform();
        var first = platform.Sign(platform.Text("o-nonce", "第一条"), CallbackMode.Plaintext);
        Assert.Equal(HttpStatusCode.OK, (await platform.SendAsync(first)).Status);

        // Same timestamp and nonce (so the same valid signature), another body: the signature does not cover
        // a plaintext body, so this is a forgery or a replay.
        var second = platform.Sign(platform.Text("o-nonce", "第二条"), CallbackMode.Plaintext, long.Parse(first.Timestamp), first.Nonce);
        await AssertRefusedAsync(platform, second, HttpStatusCode.Conflict, "callback_nonce_replayed");
    }

    [Fact]
    public async Task A_retry_re_signed_with_the_same_nonce_but_re_encrypted_gets_the_stored_reply()
    {
        using var platform = app.Platform();
        var xml = platform.Text("o-resigned", "活动");
        var first = platform.Sign(xml, CallbackMode.Safe);
        var firstAnswer = await platform.SendAsync(first);
        Assert.Equal(HttpStatusCode.OK, firstAnswer.Status);
        var before = await app.InboundCountAsync();

        // WeChat's retry: same timestamp and nonce, the message encrypted afresh (new random prefix), so
        // another body and msg_signature, both valid: only WeChat holds the token and key to make it.
        var retry = platform.Sign(xml, CallbackMode.Safe, long.Parse(first.Timestamp), first.Nonce);
        Assert.NotEqual(first.Body, retry.Body);
        var again = await platform.SendAsync(retry);

        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal(before, await app.InboundCountAsync());
        Assert.Equal(platform.ReadReply(xml, CallbackMode.Safe, firstAnswer.Body), platform.ReadReply(xml, CallbackMode.Safe, again.Body));
    }

    [Fact]
    public async Task A_re_encrypted_body_with_a_forged_msg_signature_is_still_refused()
    {
        using var platform = app.Platform();
        var xml = platform.Text("o-forged", "活动");
        var first = platform.Sign(xml, CallbackMode.Safe);
        Assert.Equal(HttpStatusCode.OK, (await platform.SendAsync(first)).Status);
        var retry = platform.Sign(xml, CallbackMode.Safe, long.Parse(first.Timestamp), first.Nonce);
        var forged = retry with { PathAndQuery = retry.PathAndQuery[..^40] + new string('1', 40) };
        await AssertRefusedAsync(platform, forged, HttpStatusCode.Unauthorized, "callback_signature_invalid");
    }

    [Fact]
    public async Task An_identical_replay_is_answered_from_the_dedup_table()
    {
        using var platform = app.Platform();
        var request = platform.Sign(platform.Text("o-replay", "活动"), CallbackMode.Safe);
        var first = await platform.SendAsync(request);
        var before = await app.InboundCountAsync();
        var again = await platform.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal(before, await app.InboundCountAsync());
        var xml = platform.Text("o-replay", "x"); // any message from the same sender, for the addressee check
        Assert.Equal(platform.ReadReply(xml, CallbackMode.Safe, first.Body), platform.ReadReply(xml, CallbackMode.Safe, again.Body));
    }

    [Fact]
    public async Task A_body_over_64_kb_is_refused()
    {
        using var platform = app.Platform();
        var request = platform.Sign(platform.Text("o1", new string('科', 22_000)), CallbackMode.Plaintext);
        await AssertRefusedAsync(platform, request, HttpStatusCode.RequestEntityTooLarge, "callback_body_too_large");
    }

    [Theory]
    [InlineData(CallbackMode.Plaintext)]
    [InlineData(CallbackMode.Safe)]
    public async Task A_dtd_is_refused(CallbackMode mode)
    {
        using var platform = app.Platform();
        const string evil = """<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&x;</Content><MsgId>1</MsgId></xml>""";
        var request = mode == CallbackMode.Plaintext
            ? platform.Sign(platform.Text("o1", "x"), mode) with { Body = evil }
            : platform.Sign(evil, mode);
        await AssertRefusedAsync(platform, request, HttpStatusCode.BadRequest, "callback_dtd_prohibited");
    }

    [Fact]
    public async Task Malformed_xml_and_missing_parameters_are_refused()
    {
        using var platform = app.Platform();
        var request = platform.Sign(platform.Text("o1", "x"), CallbackMode.Plaintext) with { Body = "<xml><ToUserName>" };
        await AssertRefusedAsync(platform, request, HttpStatusCode.BadRequest, "callback_malformed");
        var unsigned = request with { PathAndQuery = $"/wechat/{CallbackApp.AppId}?timestamp=1" };
        await AssertRefusedAsync(platform, unsigned, HttpStatusCode.BadRequest, "callback_bad_request");
    }

    [Fact]
    public async Task Plaintext_is_refused_where_safe_mode_is_required_and_encryption_where_no_key_is_configured()
    {
        using var safeOnly = app.Platform(CallbackApp.SafeOnlyAppId);
        await AssertRefusedAsync(safeOnly, safeOnly.Sign(safeOnly.Text("o1", "x"), CallbackMode.Plaintext), HttpStatusCode.Forbidden, "callback_encryption_required");
        Assert.Equal(HttpStatusCode.OK, (await safeOnly.PostAsync(safeOnly.Text("o1", "x"), CallbackMode.Safe)).Status);

        using var plain = app.Platform(CallbackApp.PlainAppId, aesKey: CallbackApp.AesKey);
        await AssertRefusedAsync(plain, plain.Sign(plain.Text("o1", "x"), CallbackMode.Safe), HttpStatusCode.BadRequest, "callback_encryption_not_configured");
    }

    [Fact]
    public async Task Plaintext_is_refused_for_an_account_with_a_key_unless_it_is_allowed_explicitly()
    {
        using var keyed = app.Platform(CallbackApp.KeyedAppId);
        await AssertRefusedAsync(keyed, keyed.Sign(keyed.Text("oKeyed000000000000000000001", "x"), CallbackMode.Plaintext),
            HttpStatusCode.Forbidden, "callback_encryption_required");
        Assert.Equal(HttpStatusCode.OK, (await keyed.PostAsync(keyed.Text("oKeyed000000000000000000001", "x"), CallbackMode.Compatible)).Status);
        Assert.Equal(HttpStatusCode.OK, (await keyed.PostAsync(keyed.Text("oKeyed000000000000000000001", "y"), CallbackMode.Safe)).Status);

        // RequireEncryption=false on 健康柳州: plaintext is let in beside the encrypted modes.
        using var allowed = app.Platform();
        Assert.Equal(HttpStatusCode.OK, (await allowed.PostAsync(allowed.Text("oKeyed000000000000000000002", "x"), CallbackMode.Plaintext)).Status);
    }
}
