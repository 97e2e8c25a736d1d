using System.Text.Json;
using WechatKepu.Testing;
using WechatKepu.Wechat.Api;
using WechatKepu.Wechat.Api.Models.Mass;
using WechatKepu.Wechat.Api.Models.Sns;
using WechatKepu.Wechat.Api.Models.Subscribe;
using WechatKepu.Wechat.Api.Models.Template;
using WechatKepu.Wechat.Api.Models.Token;
using WechatKepu.Wechat.Crypto;
using WechatKepu.Wechat.Messages;

namespace WechatKepu.Wechat.Tests.Corpus;

/// <summary>The library against tests/Corpus: payloads written from WeChat's documentation, not from our client.</summary>
public sealed class CorpusTests
{
    private static readonly JsonElement Expect = JsonDocument.Parse(WechatKepu.Testing.Corpus.Read("push/expect.json")).RootElement;

    public static TheoryData<string> Pushes() => new(WechatKepu.Testing.Corpus.Files("push").Where(f => f != "expect.json"));

    [Theory]
    [MemberData(nameof(Pushes))]
    public void Every_push_parses_with_its_ids_intact(string file)
    {
        var message = WechatInboundMessage.Parse(WechatKepu.Testing.Corpus.Read("push/" + file));
        var expect = Expect.GetProperty(file);

        Assert.StartsWith("gh_", message.ToUserName);
        Assert.Equal(28, message.FromUserName.Length);
        foreach (var field in expect.EnumerateObject().Where(f => f.Value.ValueKind == JsonValueKind.String))
        {
            Assert.Equal(field.Value.GetString(), message.Fields[field.Name]);
        }

        if (!expect.TryGetProperty("Items", out var items))
        {
            return;
        }

        var expected = items.EnumerateArray().Select(i => string.Join("|", i.EnumerateArray().Select(v => v.ToString()))).ToArray();
        var actual = message switch
        {
            WechatSubscribeMsgSentEvent s => s.Items.Select(i => $"{i.TemplateId}|{i.MsgId}|{i.ErrorCode}").ToArray(),
            WechatSubscribeMsgPopupEvent p => p.Items.Select(i => $"{i.TemplateId}|{i.SubscribeStatusString}").ToArray(),
            WechatSubscribeMsgChangeEvent c => c.Items.Select(i => $"{i.TemplateId}|{i.SubscribeStatusString}").ToArray(),
            _ => throw new Xunit.Sdk.XunitException($"{file} parsed as {message.GetType().Name}"),
        };
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Publishjobfinish_reads_the_publish_id_as_text_the_status_the_articles_and_the_failed_indexes()
    {
        var done = Assert.IsType<WechatPublishJobFinishEvent>(WechatInboundMessage.Parse(WechatKepu.Testing.Corpus.Read("push/publishjobfinish.xml")));
        Assert.Equal(("2247503051", 0, "b5O2OUs25HBxRceL7hfReg-U9QGeq9zQjiDvyWP4Hq4"), (done.PublishId, done.PublishStatus, done.ArticleId));
        Assert.Equal("https://mp.weixin.qq.com/s/b5O2OUs25HBxRceL7hfReg", Assert.Single(done.Articles).ArticleUrl);

        var failed = Assert.IsType<WechatPublishJobFinishEvent>(WechatInboundMessage.Parse(WechatKepu.Testing.Corpus.Read("push/publishjobfinish.failed.xml")));
        Assert.Equal(("2247503052", 3), (failed.PublishId, failed.PublishStatus));
        Assert.Equal([1], failed.FailedIndexes);
        Assert.Empty(failed.Articles);
    }

    [Fact]
    public void A_json_push_and_its_xml_twin_have_the_same_dedup_key()
    {
        var json = WechatInboundMessage.Parse(WechatKepu.Testing.Corpus.Read("push/subscribe_msg_sent_event.object.json"));
        var xml = WechatInboundMessage.Parse(WechatKepu.Testing.Corpus.Read("push/subscribe_msg_sent_event.xml"));
        Assert.Equal(xml.DedupKey, json.DedupKey);
        Assert.Equal(xml.CreateTime, json.CreateTime);
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("{\"ToUserName\": \"gh_1\", \"List\": [[1]]}")]
    [InlineData("{\"ToUserName\": ")]
    [InlineData("{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":1}}}}}}}}}")]
    public void A_malformed_json_push_is_a_format_error(string body) =>
        Assert.Throws<WechatMessageFormatException>(() => WechatInboundMessage.Parse(body));

    [Fact]
    public void Api_successes_read_with_ids_as_text_and_without_errcode()
    {
        T Read<T>(string file) => JsonSerializer.Deserialize<T>(WechatKepu.Testing.Corpus.Read("api/" + file), WechatApiClient.JsonOptions)!;

        Assert.Equal("1700827139117182976", Read<TemplateSendResponse>("template_send.ok.json").MsgId);
        Assert.Equal("1700827132819554304", Read<SubscribeSendResponse>("subscribe_send.ok.json").MsgId);
        var mass = Read<MassSendResponse>("mass_send.ok.json");
        Assert.Equal(("1000001625", 2247483684L), (mass.MsgId, mass.MsgDataId));
        var token = Read<StableTokenResponse>("stable_token.ok.json");
        Assert.Equal(0, token.Errcode);
        Assert.Equal(7200, token.ExpiresIn);
        var session = Read<Code2SessionResponse>("jscode2session.ok.json");
        Assert.Equal((0, 28), (session.Errcode, session.OpenId.Length));
    }

    [Fact]
    public void Ids_longer_than_a_64_bit_integer_survive_both_ways()
    {
        var read = JsonSerializer.Deserialize<TemplateSendResponse>("""{"errcode":0,"errmsg":"ok","msgid":123456789012345678901234}""", WechatApiClient.JsonOptions)!;
        Assert.Equal("123456789012345678901234", read.MsgId);
        Assert.Equal("""{"msg_id":123456789012345678901234}""", JsonSerializer.Serialize(new MassGetRequest(read.MsgId), WechatApiClient.JsonOptions));
    }

    [Theory]
    [InlineData("mass_send.45065.json", 45065, WechatErrorKind.AlreadySent, "1000001625")]
    [InlineData("mass_send.45066.json", 45066, WechatErrorKind.Retryable, null)]
    [InlineData("jscode2session.40226.json", 40226, WechatErrorKind.LoginBlocked, null)]
    [InlineData("custom_send.45015.json", 45015, WechatErrorKind.ChannelClosed, null)]
    [InlineData("getwxacodeunlimit.41030.json", 41030, WechatErrorKind.PermanentRequest, null)]
    public void Api_errors_are_classified_from_the_table(string file, int errcode, WechatErrorKind kind, string? existingMsgId)
    {
        var raw = JsonDocument.Parse(WechatKepu.Testing.Corpus.Read("api/" + file)).RootElement;
        var answer = raw.Deserialize<WechatResponse>(WechatApiClient.JsonOptions)!;
        Assert.Equal(errcode, answer.Errcode);
        var e = new WechatApiException(answer.Errcode, answer.Errmsg, "/x", WechatErrors.Classify(answer.Errcode), response: raw);
        Assert.Equal(kind, e.Kind);
        Assert.Equal(existingMsgId, e.ExistingMsgId);
    }

    public static TheoryData<string> AesKeys() => new(WechatKepu.Testing.Corpus.AesKeys);

    [Theory]
    [MemberData(nameof(AesKeys))]
    public void Admin_generated_aes_keys_encrypt_and_decrypt_json_and_xml(string key)
    {
        using var crypto = new WechatMessageCrypto("corpus-token", key, "wxcorpus00000001");
        foreach (var file in new[] { "push/subscribe_msg_sent_event.object.json", "push/subscribe_msg_sent_event.xml" })
        {
            var body = WechatKepu.Testing.Corpus.Read(file);
            Assert.Equal(body, crypto.Decrypt(crypto.Encrypt(body)));
        }
    }
}
