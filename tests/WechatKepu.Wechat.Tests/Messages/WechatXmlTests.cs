using System.Text;
using WechatKepu.Wechat.Messages;

namespace WechatKepu.Wechat.Tests.Messages;

public sealed class WechatXmlTests
{
    [Fact]
    public void Parse_reads_flat_fields_cdata_and_plain_text()
    {
        var root = WechatXml.Parse("""
            <xml>
              <ToUserName><![CDATA[gh_kepu]]></ToUserName>
              <CreateTime>1348831860</CreateTime>
              <Content><![CDATA[a < b & c]]></Content>
              <Escaped>x &lt; y &amp; z</Escaped>
              <Empty/>
            </xml>
            """);

        Assert.Equal("xml", root.Name);
        Assert.Equal("gh_kepu", root.Field("ToUserName"));
        Assert.Equal("1348831860", root.Field("CreateTime"));
        Assert.Equal("a < b & c", root.Field("Content"));
        Assert.Equal("x < y & z", root.Field("Escaped"));
        Assert.Equal(string.Empty, root.Field("Empty"));
        Assert.Null(root.Field("Missing"));
    }

    [Fact]
    public void Parse_keeps_repeated_nested_elements_in_order()
    {
        var root = WechatXml.Parse("<xml><G><List><A>1</A></List><List><A>2</A></List></G></xml>");

        var group = root.Element("G");
        Assert.NotNull(group);
        Assert.Null(group.Value);
        Assert.Equal(["1", "2"], group.Elements("List").Select(item => item.Field("A")));
    }

    [Fact]
    public void Parse_refuses_an_external_entity()
    {
        const string xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <xml><ToUserName>&xxe;</ToUserName></xml>
            """;

        var ex = Assert.Throws<WechatMessageFormatException>(() => WechatXml.Parse(xxe));

        Assert.Equal(WechatMessageFormatError.DtdProhibited, ex.Error);
    }

    [Fact]
    public void Parse_refuses_billion_laughs_entity_expansion()
    {
        const string laughs = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [
              <!ENTITY lol "lol">
              <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
              <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
              <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
              <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
            ]>
            <xml><Content>&lol9;</Content></xml>
            """;

        var ex = Assert.Throws<WechatMessageFormatException>(() => WechatXml.Parse(laughs));

        Assert.Equal(WechatMessageFormatError.DtdProhibited, ex.Error);
    }

    [Fact]
    public void Parse_refuses_an_undeclared_entity_reference()
    {
        var ex = Assert.Throws<WechatMessageFormatException>(() => WechatXml.Parse("<xml><A>&secret;</A></xml>"));

        Assert.Equal(WechatMessageFormatError.Malformed, ex.Error);
    }

    [Fact]
    public void Parse_refuses_a_body_over_the_default_64_kb_cap()
    {
        var body = "<xml><Content><![CDATA[" + new string('a', WechatXml.DefaultMaxBytes) + "]]></Content></xml>";

        var ex = Assert.Throws<WechatMessageFormatException>(() => WechatXml.Parse(body));

        Assert.Equal(WechatMessageFormatError.TooLarge, ex.Error);
    }

    [Fact]
    public void Parse_counts_the_cap_in_utf8_bytes_not_characters()
    {
        // 30 000 Chinese characters are 90 000 UTF-8 bytes: over 64 KB although under 64 K chars.
        var body = "<xml><Content><![CDATA[" + new string('科', 30_000) + "]]></Content></xml>";

        var ex = Assert.Throws<WechatMessageFormatException>(() => WechatXml.Parse(body));

        Assert.Equal(WechatMessageFormatError.TooLarge, ex.Error);
    }

    [Fact]
    public void Parse_honours_a_configured_cap()
    {
        var body = "<xml><Content><![CDATA[" + new string('a', 200) + "]]></Content></xml>";

        Assert.Equal(WechatMessageFormatError.TooLarge,
            Assert.Throws<WechatMessageFormatException>(() => WechatXml.Parse(body, maxBytes: 100)).Error);
        Assert.Equal(200, WechatXml.Parse(body, maxBytes: 1024).Field("Content")!.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not xml")]
    [InlineData("<xml><A>1</A>")]
    [InlineData("<xml><A>1</B></xml>")]
    [InlineData("<xml/><xml/>")]
    [InlineData("<root><A>1</A></root>")]
    [InlineData("{\"ToUserName\":\"gh\"")] // JSON (the mini-program's push) is read by content, but must be whole
    public void Parse_reports_malformed_bodies_clearly(string body)
    {
        var ex = Assert.Throws<WechatMessageFormatException>(() => WechatXml.Parse(body));

        Assert.Equal(WechatMessageFormatError.Malformed, ex.Error);
    }

    [Fact]
    public void Parse_refuses_deep_nesting()
    {
        var body = new StringBuilder("<xml>");
        for (var i = 0; i < 50; i++)
        {
            body.Append("<a>");
        }

        for (var i = 0; i < 50; i++)
        {
            body.Append("</a>");
        }

        var ex = Assert.Throws<WechatMessageFormatException>(() => WechatXml.Parse(body.Append("</xml>").ToString()));

        Assert.Equal(WechatMessageFormatError.Malformed, ex.Error);
    }
}
