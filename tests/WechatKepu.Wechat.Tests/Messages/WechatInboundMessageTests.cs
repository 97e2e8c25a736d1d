using WechatKepu.Wechat.Messages;

namespace WechatKepu.Wechat.Tests.Messages;

/// <summary>Each sample is the XML of WeChat's "receiving messages" / "event push" documentation.</summary>
public sealed class WechatInboundMessageTests
{
    [Fact]
    public void Parses_a_text_message()
    {
        var message = Parse<WechatTextMessage>("""
            <xml>
              <ToUserName><![CDATA[toUser]]></ToUserName>
              <FromUserName><![CDATA[fromUser]]></FromUserName>
              <CreateTime>1348831860</CreateTime>
              <MsgType><![CDATA[text]]></MsgType>
              <Content><![CDATA[this is a test]]></Content>
              <MsgId>1234567890123456</MsgId>
              <MsgDataId>xxxx</MsgDataId>
              <Idx>xxxx</Idx>
            </xml>
            """);

        Assert.Equal("toUser", message.ToUserName);
        Assert.Equal("fromUser", message.FromUserName);
        Assert.Equal(1348831860, message.CreateTime);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1348831860), message.CreatedAt);
        Assert.Equal("text", message.MsgType);
        Assert.Equal("this is a test", message.Content);
        Assert.Equal("1234567890123456", message.MsgId);
        Assert.Equal("xxxx", message.Fields["MsgDataId"]);
        Assert.Equal("fromUser:1234567890123456", message.DedupKey);
    }

    [Fact]
    public void Parses_an_image_message()
    {
        var message = Parse<WechatImageMessage>("""
            <xml>
              <ToUserName><![CDATA[toUser]]></ToUserName>
              <FromUserName><![CDATA[fromUser]]></FromUserName>
              <CreateTime>1348831860</CreateTime>
              <MsgType><![CDATA[image]]></MsgType>
              <PicUrl><![CDATA[this is a url]]></PicUrl>
              <MediaId><![CDATA[media_id]]></MediaId>
              <MsgId>1234567890123456</MsgId>
            </xml>
            """);

        Assert.Equal("this is a url", message.PicUrl);
        Assert.Equal("media_id", message.MediaId);
        Assert.Equal("1234567890123456", message.MsgId);
    }

    [Fact]
    public void Parses_a_voice_message_with_and_without_recognition()
    {
        const string voice = """
            <xml>
              <ToUserName><![CDATA[toUser]]></ToUserName>
              <FromUserName><![CDATA[fromUser]]></FromUserName>
              <CreateTime>1357290913</CreateTime>
              <MsgType><![CDATA[voice]]></MsgType>
              <MediaId><![CDATA[media_id]]></MediaId>
              <Format><![CDATA[Format]]></Format>
              {0}
              <MsgId>1234567890123456</MsgId>
            </xml>
            """;

        var plain = Parse<WechatVoiceMessage>(voice.Replace("{0}", ""));
        var recognised = Parse<WechatVoiceMessage>(voice.Replace("{0}", "<Recognition><![CDATA[腾讯微信团队]]></Recognition>"));

        Assert.Equal("media_id", plain.MediaId);
        Assert.Equal("Format", plain.Format);
        Assert.Null(plain.Recognition);
        Assert.Equal("腾讯微信团队", recognised.Recognition);
    }

    [Theory]
    [InlineData("video", typeof(WechatVideoMessage))]
    [InlineData("shortvideo", typeof(WechatShortVideoMessage))]
    public void Parses_video_and_short_video_messages(string msgType, Type expected)
    {
        var message = WechatInboundMessage.Parse($"""
            <xml>
              <ToUserName><![CDATA[toUser]]></ToUserName>
              <FromUserName><![CDATA[fromUser]]></FromUserName>
              <CreateTime>1357290913</CreateTime>
              <MsgType><![CDATA[{msgType}]]></MsgType>
              <MediaId><![CDATA[media_id]]></MediaId>
              <ThumbMediaId><![CDATA[thumb_media_id]]></ThumbMediaId>
              <MsgId>1234567890123456</MsgId>
            </xml>
            """);

        Assert.IsType(expected, message);
        var video = Assert.IsAssignableFrom<WechatVideoMessageBase>(message);
        Assert.Equal("media_id", video.MediaId);
        Assert.Equal("thumb_media_id", video.ThumbMediaId);
    }

    [Fact]
    public void Parses_a_location_message()
    {
        var message = Parse<WechatLocationMessage>("""
            <xml>
              <ToUserName><![CDATA[toUser]]></ToUserName>
              <FromUserName><![CDATA[fromUser]]></FromUserName>
              <CreateTime>1351776360</CreateTime>
              <MsgType><![CDATA[location]]></MsgType>
              <Location_X>23.134521</Location_X>
              <Location_Y>113.358803</Location_Y>
              <Scale>20</Scale>
              <Label><![CDATA[位置信息]]></Label>
              <MsgId>1234567890123456</MsgId>
            </xml>
            """);

        Assert.Equal(23.134521, message.LocationX);
        Assert.Equal(113.358803, message.LocationY);
        Assert.Equal(20, message.Scale);
        Assert.Equal("位置信息", message.Label);
    }

    [Fact]
    public void Parses_a_link_message()
    {
        var message = Parse<WechatLinkMessage>("""
            <xml>
              <ToUserName><![CDATA[toUser]]></ToUserName>
              <FromUserName><![CDATA[fromUser]]></FromUserName>
              <CreateTime>1351776360</CreateTime>
              <MsgType><![CDATA[link]]></MsgType>
              <Title><![CDATA[公众平台官网链接]]></Title>
              <Description><![CDATA[公众平台官网链接]]></Description>
              <Url><![CDATA[url]]></Url>
              <MsgId>1234567890123456</MsgId>
            </xml>
            """);

        Assert.Equal("公众平台官网链接", message.Title);
        Assert.Equal("公众平台官网链接", message.Description);
        Assert.Equal("url", message.Url);
    }

    [Fact]
    public void Parses_a_mini_program_page_message()
    {
        var message = Parse<WechatMiniProgramPageMessage>("""
            <xml>
              <ToUserName><![CDATA[toUser]]></ToUserName>
              <FromUserName><![CDATA[fromUser]]></FromUserName>
              <CreateTime>1482048670</CreateTime>
              <MsgType><![CDATA[miniprogrampage]]></MsgType>
              <MsgId>1234567890123456</MsgId>
              <AppId><![CDATA[appid]]></AppId>
              <Title><![CDATA[title]]></Title>
              <PagePath><![CDATA[path]]></PagePath>
              <ThumbUrl><![CDATA[url]]></ThumbUrl>
              <ThumbMediaId><![CDATA[thumb_media_id]]></ThumbMediaId>
            </xml>
            """);

        Assert.Equal("appid", message.AppId);
        Assert.Equal("title", message.Title);
        Assert.Equal("path", message.PagePath);
        Assert.Equal("url", message.ThumbUrl);
        Assert.Equal("thumb_media_id", message.ThumbMediaId);
    }

    [Fact]
    public void Parses_a_plain_subscribe_event()
    {
        var message = Parse<WechatSubscribeEvent>(Event("subscribe"));

        Assert.Equal("subscribe", message.Event);
        Assert.Null(message.EventKey);
        Assert.Null(message.SceneKey);
        Assert.Equal("FromUser:123456789:subscribe:", message.DedupKey);
    }

    [Fact]
    public void Parses_a_subscribe_by_qr_code_with_its_scene()
    {
        var message = Parse<WechatSubscribeEvent>(Event("subscribe",
            "<EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>"));

        Assert.Equal("qrscene_123123", message.EventKey);
        Assert.Equal("123123", message.SceneKey);
        Assert.Equal("TICKET", message.Ticket);
        Assert.Equal("FromUser:123456789:subscribe:qrscene_123123", message.DedupKey);
    }

    [Fact]
    public void Parses_an_unsubscribe_event()
    {
        Assert.Equal("unsubscribe", Parse<WechatUnsubscribeEvent>(Event("unsubscribe")).Event);
    }

    [Fact]
    public void Parses_a_scan_event_whose_key_has_no_prefix()
    {
        var message = Parse<WechatScanEvent>(Event("SCAN",
            "<EventKey><![CDATA[SCENE_VALUE]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>"));

        Assert.Equal("SCENE_VALUE", message.EventKey);
        Assert.Equal("TICKET", message.Ticket);
    }

    [Fact]
    public void Parses_a_location_event()
    {
        var message = Parse<WechatLocationEvent>(Event("LOCATION",
            "<Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.385040</Precision>"));

        Assert.Equal(23.137466, message.Latitude);
        Assert.Equal(113.352425, message.Longitude);
        Assert.Equal(119.385040, message.Precision);
    }

    [Fact]
    public void Parses_a_click_event()
    {
        var message = Parse<WechatClickEvent>(Event("CLICK", "<EventKey><![CDATA[EVENTKEY]]></EventKey>"));

        Assert.Equal("EVENTKEY", message.EventKey);
        Assert.Equal("FromUser:123456789:CLICK:EVENTKEY", message.DedupKey);
    }

    [Fact]
    public void Parses_a_view_event_with_its_menu_id()
    {
        var message = Parse<WechatViewEvent>(Event("VIEW",
            "<EventKey><![CDATA[www.qq.com]]></EventKey><MenuId>MENUID</MenuId>"));

        Assert.Equal("www.qq.com", message.EventKey);
        Assert.Equal("MENUID", message.MenuId);
    }

    [Fact]
    public void Parses_a_view_miniprogram_event()
    {
        var message = Parse<WechatViewMiniprogramEvent>(Event("view_miniprogram",
            "<EventKey><![CDATA[pages/index/index]]></EventKey><MenuId>MENUID</MenuId>"));

        Assert.Equal("pages/index/index", message.EventKey);
        Assert.Equal("MENUID", message.MenuId);
    }

    [Theory]
    [InlineData("scancode_push", typeof(WechatScancodePushEvent))]
    [InlineData("scancode_waitmsg", typeof(WechatScancodeWaitmsgEvent))]
    public void Parses_scancode_events_with_their_scan_info(string eventName, Type expected)
    {
        var message = WechatInboundMessage.Parse(Event(eventName, """
            <EventKey><![CDATA[6]]></EventKey>
            <ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo>
            """));

        Assert.IsType(expected, message);
        var scan = Assert.IsAssignableFrom<WechatScancodeEvent>(message);
        Assert.Equal("qrcode", scan.ScanType);
        Assert.Equal("1", scan.ScanResult);
        Assert.Equal("6", scan.EventKey);
    }

    [Fact]
    public void Parses_a_template_send_receipt_with_capital_d_msgid()
    {
        var message = Parse<WechatTemplateSendJobFinishEvent>("""
            <xml>
              <ToUserName><![CDATA[gh_7f083739789a]]></ToUserName>
              <FromUserName><![CDATA[oia2TjuEGTNoeX76QEjQNrcURxG8]]></FromUserName>
              <CreateTime>1395658920</CreateTime>
              <MsgType><![CDATA[event]]></MsgType>
              <Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event>
              <MsgID>200163836</MsgID>
              <Status><![CDATA[failed:user block]]></Status>
            </xml>
            """);

        Assert.Equal("200163836", message.MsgId);
        Assert.Equal("failed:user block", message.Status);
        // A receipt is an event: its key is the event key, not FromUserName:MsgID.
        Assert.Equal("oia2TjuEGTNoeX76QEjQNrcURxG8:1395658920:TEMPLATESENDJOBFINISH::200163836", message.DedupKey);
    }

    [Fact]
    public void Parses_a_mass_send_receipt_with_its_counts()
    {
        var message = Parse<WechatMassSendJobFinishEvent>("""
            <xml>
              <ToUserName><![CDATA[gh_4d00ed8d6399]]></ToUserName>
              <FromUserName><![CDATA[oV5CrjpxgaGXNHIQigzNlgLTnwic]]></FromUserName>
              <CreateTime>1481013459</CreateTime>
              <MsgType><![CDATA[event]]></MsgType>
              <Event><![CDATA[MASSSENDJOBFINISH]]></Event>
              <MsgID>1000001625</MsgID>
              <Status><![CDATA[err(30003)]]></Status>
              <TotalCount>0</TotalCount>
              <FilterCount>0</FilterCount>
              <SentCount>0</SentCount>
              <ErrorCount>0</ErrorCount>
              <CopyrightCheckResult>
                <Count>2</Count>
                <ResultList>
                  <item>
                    <ArticleIdx>1</ArticleIdx>
                    <UserDeclareState>0</UserDeclareState>
                    <AuditState>2</AuditState>
                    <OriginalArticleUrl><![CDATA[Url_1]]></OriginalArticleUrl>
                    <OriginalArticleType>1</OriginalArticleType>
                    <CanReprint>1</CanReprint>
                    <NeedReplaceContent>1</NeedReplaceContent>
                    <NeedShowReprintSource>1</NeedShowReprintSource>
                  </item>
                </ResultList>
                <CheckState>2</CheckState>
              </CopyrightCheckResult>
            </xml>
            """);

        Assert.Equal("1000001625", message.MsgId);
        Assert.Equal("err(30003)", message.Status);
        Assert.Equal(0, message.TotalCount);
        Assert.Equal(0, message.FilterCount);
        Assert.Equal(0, message.SentCount);
        Assert.Equal(0, message.ErrorCount);
        Assert.Equal("2", message.Xml.Element("CopyrightCheckResult")!.Field("CheckState"));
    }

    [Fact]
    public void Parses_a_successful_publish_job()
    {
        var message = Parse<WechatPublishJobFinishEvent>("""
            <xml>
              <ToUserName><![CDATA[gh_4d00ed8d6399]]></ToUserName>
              <FromUserName><![CDATA[oV5CrjpxgaGXNHIQigzNlgLTnwic]]></FromUserName>
              <CreateTime>1481013459</CreateTime>
              <MsgType><![CDATA[event]]></MsgType>
              <Event><![CDATA[PUBLISHJOBFINISH]]></Event>
              <PublishEventInfo>
                <publish_id>2247503051</publish_id>
                <publish_status>0</publish_status>
                <article_id><![CDATA[b5O2OUs25HBxRceL7hfReg-U9QGeq9zQjiDvyWP4Hq4]]></article_id>
                <article_detail>
                  <count>1</count>
                  <item>
                    <idx>1</idx>
                    <article_url><![CDATA[ARTICLE_URL]]></article_url>
                  </item>
                </article_detail>
              </PublishEventInfo>
            </xml>
            """);

        Assert.Equal("2247503051", message.PublishId);
        Assert.Equal(0, message.PublishStatus);
        Assert.Equal("b5O2OUs25HBxRceL7hfReg-U9QGeq9zQjiDvyWP4Hq4", message.ArticleId);
        Assert.Equal([new WechatPublishedArticle(1, "ARTICLE_URL")], message.Articles);
        Assert.Empty(message.FailedIndexes);
    }

    [Fact]
    public void Parses_a_publish_job_that_failed_review()
    {
        var message = Parse<WechatPublishJobFinishEvent>(Event("PUBLISHJOBFINISH", """
            <PublishEventInfo>
              <publish_id>2247503051</publish_id>
              <publish_status>2</publish_status>
              <fail_idx>1</fail_idx>
              <fail_idx>2</fail_idx>
            </PublishEventInfo>
            """));

        Assert.Equal(2, message.PublishStatus);
        Assert.Equal([1, 2], message.FailedIndexes);
        Assert.Empty(message.Articles);
    }

    [Fact]
    public void Parses_every_list_item_of_a_subscribe_popup_event()
    {
        var message = Parse<WechatSubscribeMsgPopupEvent>("""
            <xml>
              <ToUserName><![CDATA[gh_123456789abc]]></ToUserName>
              <FromUserName><![CDATA[otFpruAK8D-E6EfStSYonYSBZ8_4]]></FromUserName>
              <CreateTime>1610969440</CreateTime>
              <MsgType><![CDATA[event]]></MsgType>
              <Event><![CDATA[subscribe_msg_popup_event]]></Event>
              <SubscribeMsgPopupEvent>
                <List>
                  <TemplateId><![CDATA[VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc]]></TemplateId>
                  <SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString>
                  <PopupScene>2</PopupScene>
                </List>
                <List>
                  <TemplateId><![CDATA[9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI]]></TemplateId>
                  <SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString>
                  <PopupScene>2</PopupScene>
                </List>
              </SubscribeMsgPopupEvent>
            </xml>
            """);

        Assert.Equal(
            [
                new WechatSubscribeMsgPopupItem("VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc", "accept", "2"),
                new WechatSubscribeMsgPopupItem("9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI", "reject", "2"),
            ],
            message.Items);
    }

    [Fact]
    public void Parses_a_subscribe_change_event()
    {
        var message = Parse<WechatSubscribeMsgChangeEvent>(Event("subscribe_msg_change_event", """
            <SubscribeMsgChangeEvent>
              <List>
                <TemplateId><![CDATA[VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc]]></TemplateId>
                <SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString>
              </List>
            </SubscribeMsgChangeEvent>
            """));

        Assert.Equal([new WechatSubscribeMsgChangeItem("VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc", "reject")], message.Items);
    }

    [Fact]
    public void Parses_a_subscribe_sent_event()
    {
        var message = Parse<WechatSubscribeMsgSentEvent>(Event("subscribe_msg_sent_event", """
            <SubscribeMsgSentEvent>
              <List>
                <TemplateId><![CDATA[VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc]]></TemplateId>
                <MsgID>1700827132819554304</MsgID>
                <ErrorCode>0</ErrorCode>
                <ErrorStatus><![CDATA[success]]></ErrorStatus>
              </List>
            </SubscribeMsgSentEvent>
            """));

        Assert.Equal(
            [new WechatSubscribeMsgSentItem("VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc", "1700827132819554304", 0, "success")],
            message.Items);
    }

    [Fact]
    public void Parses_a_user_authorization_revoke_event()
    {
        var message = Parse<WechatUserAuthorizationRevokeEvent>("""
            <xml>
              <ToUserName><![CDATA[gh_870882ca4b1]]></ToUserName>
              <FromUserName><![CDATA[owAqB1v0ahK_Xlc7GshIDdf2yf7E]]></FromUserName>
              <CreateTime>1626857200</CreateTime>
              <MsgType><![CDATA[event]]></MsgType>
              <Event><![CDATA[user_authorization_revoke]]></Event>
              <OpenID><![CDATA[owAqB1nqaOYYWl0Ng484G2z5NIwU]]></OpenID>
              <AppID><![CDATA[wx13974bf780d3dc89]]></AppID>
              <RevokeInfo><![CDATA[1]]></RevokeInfo>
            </xml>
            """);

        Assert.Equal("owAqB1nqaOYYWl0Ng484G2z5NIwU", message.OpenId);
        Assert.Equal("wx13974bf780d3dc89", message.AppId);
        Assert.Equal("1", message.RevokeInfo);
    }

    [Fact]
    public void Accepts_an_unknown_message_type_with_its_raw_fields()
    {
        var message = Parse<WechatUnknownMessage>("""
            <xml>
              <ToUserName><![CDATA[toUser]]></ToUserName>
              <FromUserName><![CDATA[fromUser]]></FromUserName>
              <CreateTime>1700000000</CreateTime>
              <MsgType><![CDATA[hologram]]></MsgType>
              <Depth>3</Depth>
              <MsgId>42</MsgId>
            </xml>
            """);

        Assert.Equal("hologram", message.MsgType);
        Assert.Null(message.Event);
        Assert.Equal("3", message.Fields["Depth"]);
        Assert.Equal("fromUser:42", message.DedupKey);
    }

    [Fact]
    public void Accepts_an_unknown_event_with_its_raw_fields()
    {
        var message = Parse<WechatUnknownMessage>(Event("user_info_modified", "<OpenID><![CDATA[o1]]></OpenID>"));

        Assert.Equal("user_info_modified", message.Event);
        Assert.Equal("o1", message.Fields["OpenID"]);
        Assert.Equal("FromUser:123456789:user_info_modified:", message.DedupKey);
    }

    [Fact]
    public void Matches_event_names_case_insensitively()
    {
        Assert.IsType<WechatClickEvent>(WechatInboundMessage.Parse(Event("click")));
        Assert.IsType<WechatTextMessage>(WechatInboundMessage.Parse(
            "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>TEXT</MsgType></xml>"));
    }

    [Fact]
    public void Dedup_keys_of_the_same_msgid_from_two_users_differ()
    {
        const string template = "<xml><ToUserName>gh</ToUserName><FromUserName>{0}</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><MsgId>77</MsgId></xml>";

        Assert.NotEqual(
            WechatInboundMessage.Parse(template.Replace("{0}", "userA")).DedupKey,
            WechatInboundMessage.Parse(template.Replace("{0}", "userB")).DedupKey);
    }

    [Theory]
    [InlineData("<xml><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>")]
    [InlineData("<xml><ToUserName>a</ToUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>")]
    [InlineData("<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><MsgType>text</MsgType></xml>")]
    [InlineData("<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>soon</CreateTime><MsgType>text</MsgType></xml>")]
    [InlineData("<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime></xml>")]
    [InlineData("<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType></xml>")]
    public void Rejects_a_message_missing_a_field_wechat_always_sends(string xml)
    {
        var ex = Assert.Throws<WechatMessageFormatException>(() => WechatInboundMessage.Parse(xml));

        Assert.Equal(WechatMessageFormatError.MissingField, ex.Error);
    }

    private static T Parse<T>(string xml)
        where T : WechatInboundMessage =>
        Assert.IsType<T>(WechatInboundMessage.Parse(xml));

    private static string Event(string name, string extra = "") => $"""
        <xml>
          <ToUserName><![CDATA[toUser]]></ToUserName>
          <FromUserName><![CDATA[FromUser]]></FromUserName>
          <CreateTime>123456789</CreateTime>
          <MsgType><![CDATA[event]]></MsgType>
          <Event><![CDATA[{name}]]></Event>
          {extra}
        </xml>
        """;
}

public sealed class ReceiptDedupKeyTests
{
    private static string Receipt(long msgId, string createTime = "1700000000") => $"""
        <xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o_user]]></FromUserName>
        <CreateTime>{createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType>
        <Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>{msgId}</MsgID><Status><![CDATA[success]]></Status></xml>
        """;

    [Fact]
    public void Two_receipts_to_one_user_in_the_same_second_have_different_dedup_keys()
    {
        Assert.NotEqual(WechatKepu.Wechat.Messages.WechatInboundMessage.Parse(Receipt(1)).DedupKey,
            WechatKepu.Wechat.Messages.WechatInboundMessage.Parse(Receipt(2)).DedupKey);
    }

    [Fact]
    public void A_retried_receipt_has_the_same_dedup_key()
    {
        Assert.Equal(WechatKepu.Wechat.Messages.WechatInboundMessage.Parse(Receipt(7)).DedupKey,
            WechatKepu.Wechat.Messages.WechatInboundMessage.Parse(Receipt(7)).DedupKey);
    }
}
