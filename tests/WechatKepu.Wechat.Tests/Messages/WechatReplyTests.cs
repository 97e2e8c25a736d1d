using WechatKepu.Wechat.Messages;

namespace WechatKepu.Wechat.Tests.Messages;

public sealed class WechatReplyTests
{
    private const long Now = 1_764_000_000;

    [Fact]
    public void Text_reply_round_trips_through_our_own_parser()
    {
        var xml = new WechatTextReply("你好，科普月！\n第二行").ToXml("oUser", "gh_kepu", Now);

        var parsed = Assert.IsType<WechatTextMessage>(WechatInboundMessage.Parse(xml));
        Assert.Equal("oUser", parsed.ToUserName);
        Assert.Equal("gh_kepu", parsed.FromUserName);
        Assert.Equal(Now, parsed.CreateTime);
        Assert.Equal("你好，科普月！\n第二行", parsed.Content);
    }

    [Theory]
    [InlineData("]]>")]
    [InlineData("a]]>b]]>c")]
    [InlineData("]]]]>>")]
    [InlineData("]]></Content><MsgType>news</MsgType><Content><![CDATA[")]
    public void Text_reply_keeps_cdata_terminators_as_content(string content)
    {
        var xml = new WechatTextReply(content).ToXml("oUser", "gh_kepu", Now);

        var root = WechatXml.Parse(xml);
        Assert.Equal(content, root.Field("Content"));
        Assert.Equal("text", root.Field("MsgType"));
        Assert.Single(root.Elements("Content"));
    }

    [Fact]
    public void Text_reply_replaces_characters_xml_cannot_carry()
    {
        var xml = new WechatTextReply("a\u0001b\uD800c😀").ToXml("oUser", "gh_kepu", Now);

        Assert.Equal("a\uFFFDb\uFFFDc😀", WechatXml.Parse(xml).Field("Content"));
    }

    [Fact]
    public void Reply_to_a_message_swaps_sender_and_receiver()
    {
        var inbound = WechatInboundMessage.Parse(
            "<xml><ToUserName>gh_kepu</ToUserName><FromUserName>oUser</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>hi</Content></xml>");

        var root = WechatXml.Parse(new WechatTextReply("hello").ToXml(inbound, Now));

        Assert.Equal("oUser", root.Field("ToUserName"));
        Assert.Equal("gh_kepu", root.Field("FromUserName"));
    }

    [Theory]
    [InlineData("image", "Image")]
    [InlineData("voice", "Voice")]
    public void Media_replies_nest_the_media_id(string msgType, string group)
    {
        WechatReply reply = msgType == "image" ? new WechatImageReply("MEDIA_1") : new WechatVoiceReply("MEDIA_1");

        var root = WechatXml.Parse(reply.ToXml("oUser", "gh_kepu", Now));

        Assert.Equal(msgType, root.Field("MsgType"));
        Assert.Equal("MEDIA_1", root.Element(group)!.Field("MediaId"));
    }

    [Fact]
    public void Video_reply_writes_optional_title_and_description_only_when_given()
    {
        var full = WechatXml.Parse(new WechatVideoReply("V1", "标题", "描述").ToXml("oUser", "gh_kepu", Now)).Element("Video")!;
        var bare = WechatXml.Parse(new WechatVideoReply("V1").ToXml("oUser", "gh_kepu", Now)).Element("Video")!;

        Assert.Equal(["MediaId", "Title", "Description"], full.Children.Select(c => c.Name));
        Assert.Equal("标题", full.Field("Title"));
        Assert.Equal(["MediaId"], bare.Children.Select(c => c.Name));
    }

    [Fact]
    public void Music_reply_writes_wechat_field_names()
    {
        var music = WechatXml.Parse(new WechatMusicReply("THUMB", "歌", "desc", "http://m", "http://hq").ToXml("oUser", "gh_kepu", Now))
            .Element("Music")!;

        Assert.Equal("http://m", music.Field("MusicUrl"));
        Assert.Equal("http://hq", music.Field("HQMusicUrl"));
        Assert.Equal("THUMB", music.Field("ThumbMediaId"));
        Assert.Equal("歌", music.Field("Title"));
    }

    [Fact]
    public void News_reply_writes_count_and_items_in_order()
    {
        var reply = new WechatNewsReply(
        [
            new WechatNewsArticle("天文", "观星活动", "http://p/1.jpg", "http://a/1"),
            new WechatNewsArticle("机器人", "编程营", "http://p/2.jpg", "http://a/2"),
        ]);

        var root = WechatXml.Parse(reply.ToXml("oUser", "gh_kepu", Now));

        Assert.Equal("news", root.Field("MsgType"));
        Assert.Equal("2", root.Field("ArticleCount"));
        var items = root.Element("Articles")!.Elements("item").ToList();
        Assert.Equal(["天文", "机器人"], items.Select(i => i.Field("Title")));
        Assert.Equal("http://a/2", items[1].Field("Url"));
        Assert.Equal("http://p/1.jpg", items[0].Field("PicUrl"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    public void News_reply_refuses_no_articles_or_more_than_eight(int count)
    {
        var articles = Enumerable.Range(0, count).Select(i => new WechatNewsArticle($"t{i}", "d", "p", "u")).ToArray();

        Assert.Throws<ArgumentException>(() => new WechatNewsReply(articles));
    }

    [Fact]
    public void News_reply_accepts_eight_articles()
    {
        var articles = Enumerable.Range(0, 8).Select(i => new WechatNewsArticle($"t{i}", "d", "p", "u")).ToArray();

        Assert.Equal("8", WechatXml.Parse(new WechatNewsReply(articles).ToXml("o", "gh", Now)).Field("ArticleCount"));
    }

    [Fact]
    public void Transfer_to_customer_service_names_an_agent_only_when_given()
    {
        var any = WechatXml.Parse(new WechatTransferCustomerServiceReply().ToXml("oUser", "gh_kepu", Now));
        var agent = WechatXml.Parse(new WechatTransferCustomerServiceReply("kf2001@gh_kepu").ToXml("oUser", "gh_kepu", Now));

        Assert.Equal("transfer_customer_service", any.Field("MsgType"));
        Assert.Null(any.Element("TransInfo"));
        Assert.Equal("kf2001@gh_kepu", agent.Element("TransInfo")!.Field("KfAccount"));
    }
}
