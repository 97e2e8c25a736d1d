using Flurl.Http;
using Flurl.Http.Testing;
using WechatKepu.Wechat.Api;
using WechatKepu.Wechat.Tokens;

namespace WechatKepu.Wechat.Tests.Api;

/// <summary>The two template lists against answers written from WeChat's documentation (tests/Corpus), not the simulator.</summary>
public sealed class TemplateListClientTests
{
    private static (HttpTest Http, WechatApiClient Client) NewClient()
    {
        var http = new HttpTest();
        http.ForCallsTo("*/cgi-bin/stable_token").RespondWith("""{"access_token":"ACCESS_TOKEN_FROM_DOCS","expires_in":7200}""");
        var client = new WechatApiClient(new FlurlClient("https://api.weixin.qq.com"), new WechatAccount("wx1234567890abcdef", "secret"),
            new InMemoryAccessTokenStore());
        return (http, client);
    }

    [Fact]
    public async Task Private_templates_are_read_by_get_with_the_token_from_a_body_without_errcode()
    {
        var (http, client) = NewClient();
        using var _ = http;
        http.ForCallsTo("*/cgi-bin/template/get_all_private_template").RespondWith(WechatKepu.Testing.Corpus.Read("api/get_all_private_template.ok.json"));

        var list = await client.GetPrivateTemplatesAsync();

        var call = Assert.Single(http.CallLog, c => c.Request.Url.Path == "/cgi-bin/template/get_all_private_template");
        Assert.Equal("GET", call.Request.Verb.Method);
        Assert.Equal("ACCESS_TOKEN_FROM_DOCS", call.Request.Url.QueryParams.FirstOrDefault("access_token"));
        Assert.Equal(3, list.Templates.Count);
        var first = list.Templates[0];
        Assert.Equal(("iPk5sOIt5X_flOVKn5GrTFpncEYTojx6ddbt8WYoV5s", "活动开始提醒", "教育", "培训"),
            (first.TemplateId, first.Title, first.PrimaryIndustry, first.DeputyIndustry));
        Assert.StartsWith("活动名称:{{thing1.DATA}}\n开始时间:{{time2.DATA}}", first.Content);
        Assert.Contains("{{first.DATA}}", list.Templates[2].Content);
    }

    [Fact]
    public async Task Private_templates_refused_throw_with_the_errcode()
    {
        var (http, client) = NewClient();
        using var _ = http;
        http.ForCallsTo("*/cgi-bin/template/get_all_private_template").RespondWith(WechatKepu.Testing.Corpus.Read("api/get_all_private_template.48001.json"));

        var e = await Assert.ThrowsAsync<WechatApiException>(() => client.GetPrivateTemplatesAsync());

        Assert.Equal((48001, "/cgi-bin/template/get_all_private_template"), (e.Errcode, e.Path));
    }

    [Fact]
    public async Task Subscribe_templates_read_type_and_enum_values()
    {
        var (http, client) = NewClient();
        using var _ = http;
        http.ForCallsTo("*/wxaapi/newtmpl/gettemplate").RespondWith(WechatKepu.Testing.Corpus.Read("api/newtmpl_gettemplate.ok.json"));

        var list = await client.GetSubscribeTemplatesAsync();

        var call = Assert.Single(http.CallLog, c => c.Request.Url.Path == "/wxaapi/newtmpl/gettemplate");
        Assert.Equal("GET", call.Request.Verb.Method);
        Assert.Equal([2, 3], list.Templates.Select(t => t.Type));
        Assert.Equal("9Aw5ZV1j9xdWTFEkqCpZ7mIBbSC34khK55OtzUPl0rU", list.Templates[0].PriTmplId);
        Assert.Null(list.Templates[0].KeywordEnumValueList);
        var enums = list.Templates[1].KeywordEnumValueList!;
        Assert.Equal("enum_string2.DATA", enums[0].KeywordCode);
        Assert.Equal(["客厅", "卧室", "阳台"], enums[0].EnumValueList);
    }

    [Theory]
    [InlineData("api/newtmpl_gettemplate.48001.json", 48001)]
    public async Task Subscribe_templates_refused_with_http_200_throw_with_the_errcode(string file, int errcode)
    {
        var (http, client) = NewClient();
        using var _ = http;
        http.ForCallsTo("*/wxaapi/newtmpl/gettemplate").RespondWith(WechatKepu.Testing.Corpus.Read(file), 200);

        var e = await Assert.ThrowsAsync<WechatApiException>(() => client.GetSubscribeTemplatesAsync());

        Assert.Equal(errcode, e.Errcode);
    }

    [Fact]
    public async Task An_empty_subscribe_template_list_is_empty_not_an_error()
    {
        var (http, client) = NewClient();
        using var _ = http;
        http.ForCallsTo("*/wxaapi/newtmpl/gettemplate").RespondWith(WechatKepu.Testing.Corpus.Read("api/newtmpl_gettemplate.empty.json"));

        Assert.Empty((await client.GetSubscribeTemplatesAsync()).Templates);
    }
}
