using WechatKepu.Wechat.Messages;

namespace WechatKepu.Wechat.Tests.Messages;

/// <summary>
/// The scanner (fast path) against the XmlReader path: for every input, the same tree or the same refusal,
/// and the scanner must actually take WeChat's own bodies (or this comparison would prove nothing).
/// </summary>
public sealed class WechatXmlScannerTests
{
    public static TheoryData<string> WechatBodies => new()
    {
        "<xml><ToUserName><![CDATA[gh_kepu]]></ToUserName><FromUserName><![CDATA[o-1]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[活动]]></Content><MsgId>1234567890123456</MsgId></xml>",
        "<xml>\n  <ToUserName><![CDATA[gh_kepu]]></ToUserName>\n  <MsgType><![CDATA[voice]]></MsgType>\n  <Recognition><![CDATA[]]></Recognition>\n</xml>\n",
        "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket></xml>",
        "<xml><Event><![CDATA[scancode_push]]></Event><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo></xml>",
        "<xml><Event><![CDATA[pic_sysphoto]]></Event><SendPicsInfo><Count>2</Count><PicList><item><PicMd5Sum><![CDATA[a]]></PicMd5Sum></item><item><PicMd5Sum><![CDATA[b]]></PicMd5Sum></item></PicList></SendPicsInfo></xml>",
        "<xml><Event><![CDATA[subscribe_msg_popup_event]]></Event><SubscribeMsgPopupEvent><List><TemplateId><![CDATA[t1]]></TemplateId><SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>2</PopupScene></List><List><TemplateId><![CDATA[t2]]></TemplateId><SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString><PopupScene>2</PopupScene></List></SubscribeMsgPopupEvent></xml>",
        "<xml><Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>200163836</MsgID><Status><![CDATA[failed:user block]]></Status></xml>",
        "<xml><ToUserName>gh_kepu</ToUserName><Encrypt><![CDATA[abc+/=]]></Encrypt></xml>",
        "<xml><Content>x &lt; y &amp; z &gt; &quot;q&quot; &apos;a&apos; &#20013;&#x6587;</Content></xml>",
        "<xml><Content><![CDATA[a < b & c ]]]]><![CDATA[> d]]></Content></xml>",
        "<xml><Content>前<![CDATA[中]]>后</Content></xml>",
        "<xml><Content>  spaced text  </Content><Blank>   </Blank><Empty/><Pair></Pair></xml>",
        "<xml><Content><![CDATA[表情 😀 与 emoji 🎉]]></Content><Plain>😀</Plain></xml>",
        "  <xml><A>1</A></xml>  ",
        "<xml><A>1</A><A>2</A><B><C><D><E><F><G><H>deep 8</H></G></F></E></D></C></B></xml>",
        "<xml><Mixed>text<Child>1</Child>more</Mixed></xml>",
        "<xml><Content>a]b]c&gt;</Content></xml>",
        "<xml><A>  <![CDATA[x]]>  </A><B>\t</B><C>\n<![CDATA[ ]]>\n</C></xml>",
        "<xml><under_score>1</under_score><dash-name>2</dash-name><dot.name>3</dot.name></xml>",
    };

    public static TheoryData<string> OutsideTheSubset => new()
    {
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><xml><A>1</A></xml>",
        "<!DOCTYPE xml [<!ENTITY x \"y\">]><xml><A>&x;</A></xml>",
        "<xml><!-- note --><A>1</A></xml>",
        "<xml><A attr=\"1\">1</A></xml>",
        "<xml><A>line\r\nbreak</A></xml>",
        "<xml><A><![CDATA[line\r\nbreak]]></A></xml>",
        "<xml><A>&unknown;</A></xml>",
        "<xml><A>&#13;</A></xml>",
        "<xml><A>&#32;</A></xml>",
        "<xml><A>&#0;</A></xml>",
        "<xml><A>]]></A></xml>",
        "<xml><A>1</B></xml>",
        "<xml><A>1</A>",
        "<xml><A>1</A></xml><xml/>",
        "<xml><A>1</A></xml>trailing",
        "<notxml><A>1</A></notxml>",
        "<xml><A><B><C><D><E><F><G><H><I>9</I></H></G></F></E></D></C></B></A></xml>",
        "<xml><p:A xmlns:p=\"urn:x\">1</p:A></xml>",
        "<xml><A >1</A ></xml>",
        "<xml><名字>1</名字></xml>",
        "\ufeff<xml><A>1</A></xml>",
        "<xml><A>1 & 2</A></xml>",
        "",
    };

    [Theory]
    [MemberData(nameof(WechatBodies))]
    public void The_scanner_takes_wechat_bodies_and_agrees_with_the_reader(string xml)
    {
        var fast = WechatXmlScanner.TryParse(xml);
        Assert.NotNull(fast);
        AssertSame(WechatXml.ParseWithReader(xml, WechatXml.DefaultMaxBytes), fast);
    }

    [Theory]
    [MemberData(nameof(OutsideTheSubset))]
    public void Outside_the_subset_the_scanner_steps_aside_and_the_reader_decides(string xml)
    {
        Assert.Null(WechatXmlScanner.TryParse(xml));
        var viaParse = Outcome(() => WechatXml.Parse(xml));
        var viaReader = Outcome(() => WechatXml.ParseWithReader(xml, WechatXml.DefaultMaxBytes));
        Assert.Equal(viaReader.Error, viaParse.Error);
        if (viaReader.Root is not null)
        {
            AssertSame(viaReader.Root, viaParse.Root!);
        }
    }

    [Fact]
    public void Control_characters_and_lone_surrogates_go_to_the_reader()
    {
        // Built here, not as theory data: xunit's serialisation of theory arguments replaces a lone surrogate.
        foreach (var xml in new[] { "<xml><A>\u0001</A></xml>", "<xml><A>" + '\ud83d' + "</A></xml>", "<xml><A>" + '\udc00' + "x</A></xml>", "<xml><A>\uffff</A></xml>" })
        {
            Assert.Null(WechatXmlScanner.TryParse(xml));
            var error = Assert.Throws<WechatMessageFormatException>(() => WechatXml.Parse(xml)).Error;
            Assert.Equal(WechatMessageFormatError.Malformed, error);
        }
    }

    private static (WechatXmlElement? Root, WechatMessageFormatError? Error) Outcome(Func<WechatXmlElement> parse)
    {
        try
        {
            return (parse(), null);
        }
        catch (WechatMessageFormatException ex)
        {
            return (null, ex.Error);
        }
    }

    private static void AssertSame(WechatXmlElement expected, WechatXmlElement actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Value, actual.Value);
        Assert.Equal(expected.Fields, actual.Fields);
        Assert.Equal(expected.Children.Count, actual.Children.Count);
        for (var i = 0; i < expected.Children.Count; i++)
        {
            AssertSame(expected.Children[i], actual.Children[i]);
        }
    }
}
