using System.Text;
using Flurl.Http;
using Flurl.Http.Testing;
using WechatKepu.Wechat.Api;
using WechatKepu.Wechat.Api.Models.Menu;
using WechatKepu.Wechat.Api.Models.Qrcode;
using WechatKepu.Wechat.Tokens;

namespace WechatKepu.Wechat.Tests.Api;

/// <summary>
/// menu/* and qrcode/* against answers written from WeChat's documentation (Flurl's HttpTest), not against
/// the simulator (tests/Corpus): the client must read what WeChat really sends, including success bodies without errcode.
/// </summary>
public sealed class MenuAndQrCodeClientTests
{
    private const string Base = "https://api.weixin.qq.com";

    private static (HttpTest Http, WechatApiClient Client) NewClient()
    {
        var http = new HttpTest();
        http.ForCallsTo("*/cgi-bin/stable_token").RespondWith("""{"access_token":"ACCESS_TOKEN_FROM_DOCS","expires_in":7200}""");
        var client = new WechatApiClient(new FlurlClient(Base), new WechatAccount("wx1234567890abcdef", "secret"), new InMemoryAccessTokenStore());
        return (http, client);
    }

    [Fact]
    public async Task Menu_create_sends_the_documented_shape_and_reads_ok()
    {
        var (http, client) = NewClient();
        using var _ = http;
        http.ForCallsTo("*/cgi-bin/menu/create").RespondWith("""{"errcode":0,"errmsg":"ok"}""");

        await client.CreateMenuAsync(new MenuCreateRequest([
            new MenuButton("click", "近期活动", Key: "KEPU_ACTIVITIES"),
            new MenuButton(null, "服务", SubButtons: [
                new MenuButton("view", "科协官网", Url: "https://www.lzkx.org.cn/"),
                new MenuButton("miniprogram", "我要报名", Url: "https://www.lzkx.org.cn/", AppId: "wxmini000000000001", PagePath: "pages/index/index"),
            ]),
        ]));

        var call = Assert.Single(http.CallLog, c => c.Request.Url.Path == "/cgi-bin/menu/create");
        Assert.Equal("ACCESS_TOKEN_FROM_DOCS", call.Request.Url.QueryParams.FirstOrDefault("access_token"));
        Assert.Equal(
            """{"button":[{"type":"click","name":"近期活动","key":"KEPU_ACTIVITIES"},{"name":"服务","sub_button":[{"type":"view","name":"科协官网","url":"https://www.lzkx.org.cn/"},{"type":"miniprogram","name":"我要报名","url":"https://www.lzkx.org.cn/","appid":"wxmini000000000001","pagepath":"pages/index/index"}]}]}""",
            await Body(call));
    }

    [Fact]
    public async Task Menu_create_refused_for_a_long_name_throws_with_the_errcode()
    {
        var (http, client) = NewClient();
        using var _ = http;
        http.ForCallsTo("*/cgi-bin/menu/create").RespondWith(WechatKepu.Testing.Corpus.Read("api/menu_create.40018.json"));

        var e = await Assert.ThrowsAsync<WechatApiException>(() => client.CreateMenuAsync(new MenuCreateRequest([new MenuButton("click", "一个很长很长的菜单名字", Key: "K")])));

        Assert.Equal(40018, e.Errcode);
        Assert.Equal("/cgi-bin/menu/create", e.Path);
    }

    [Fact]
    public async Task Menu_get_reads_a_body_without_errcode_and_empty_sub_buttons()
    {
        var (http, client) = NewClient();
        using var _ = http;
        // The documented answer: every button carries sub_button, empty when it has no sub-menu.
        http.ForCallsTo("*/cgi-bin/menu/get").RespondWith(WechatKepu.Testing.Corpus.Read("api/menu_get.ok.json"));

        var menu = await client.GetMenuAsync();

        Assert.Equal(0, menu.Errcode);
        var buttons = menu.Menu!.Buttons;
        Assert.Equal(3, buttons.Count);
        Assert.Equal(("click", "V1001_TODAY_MUSIC", 0), (buttons[0].Type, buttons[0].Key, buttons[0].SubButtons!.Count));
        Assert.Null(buttons[2].Type);
        Assert.Equal(["搜索", "视频", "赞一下我们"], buttons[2].SubButtons!.Select(b => b.Name));
        Assert.Equal("http://www.soso.com/", buttons[2].SubButtons![0].Url);
    }

    [Fact]
    public async Task Menu_get_without_a_menu_is_46003_and_delete_reads_ok()
    {
        var (http, client) = NewClient();
        using var _ = http;
        http.ForCallsTo("*/cgi-bin/menu/get").RespondWith(WechatKepu.Testing.Corpus.Read("api/menu_get.46003.json"));
        http.ForCallsTo("*/cgi-bin/menu/delete").RespondWith("""{"errcode":0,"errmsg":"ok"}""");

        var e = await Assert.ThrowsAsync<WechatApiException>(() => client.GetMenuAsync());
        await client.DeleteMenuAsync();

        Assert.Equal(46003, e.Errcode);
        Assert.Equal("GET", http.CallLog.Single(c => c.Request.Url.Path == "/cgi-bin/menu/delete").Request.Verb.Method);
    }

    [Fact]
    public async Task Qrcode_create_permanent_and_temporary_send_the_documented_bodies_and_read_ticket_and_url()
    {
        var (http, client) = NewClient();
        using var _ = http;
        http.ForCallsTo("*/cgi-bin/qrcode/create")
            .RespondWith(WechatKepu.Testing.Corpus.Read("api/qrcode_create.ok.json"))
            .RespondWith(WechatKepu.Testing.Corpus.Read("api/qrcode_create.temporary.ok.json"));

        var permanent = await client.CreateQrCodeAsync(QrCodeCreateRequest.Permanent("act:12"));
        var temporary = await client.CreateQrCodeAsync(QrCodeCreateRequest.Temporary("act:12", 604800));

        var bodies = http.CallLog.Where(c => c.Request.Url.Path == "/cgi-bin/qrcode/create").ToList();
        Assert.Equal("""{"action_name":"QR_LIMIT_STR_SCENE","action_info":{"scene":{"scene_str":"act:12"}}}""", await Body(bodies[0]));
        Assert.Equal("""{"action_name":"QR_STR_SCENE","action_info":{"scene":{"scene_str":"act:12"}},"expire_seconds":604800}""", await Body(bodies[1]));
        Assert.Null(permanent.ExpireSeconds);
        Assert.Equal(60, temporary.ExpireSeconds);
        Assert.Equal("http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI", permanent.Url);
        Assert.StartsWith("gQH47jo", permanent.Ticket);
    }

    [Fact]
    public async Task Showqrcode_goes_to_mp_weixin_without_a_token_and_returns_the_image()
    {
        var (http, client) = NewClient();
        using var _ = http;
        byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10];
        http.ForCallsTo("https://mp.weixin.qq.com/cgi-bin/showqrcode*").RespondWith(() => new ByteArrayContentWithType(jpeg, "image/jpg"));

        var image = await client.ShowQrCodeAsync("gQH47jo+/=");

        var call = Assert.Single(http.CallLog);
        Assert.Equal("mp.weixin.qq.com", call.Request.Url.Host);
        Assert.Equal("gQH47jo+/=", call.Request.Url.QueryParams.FirstOrDefault("ticket"));
        Assert.False(call.Request.Url.QueryParams.Contains("access_token"));
        Assert.Equal("image/jpg", image.ContentType);
        Assert.Equal(jpeg, image.Content);
    }

    [Theory]
    [InlineData("https://api.weixin.qq.com", "https://mp.weixin.qq.com")]
    [InlineData("http://127.0.0.1:5081/", "http://127.0.0.1:5081")]
    public void Showqrcode_is_served_by_mp_weixin_or_by_a_stand_in_at_its_own_base(string apiBase, string expected) =>
        Assert.Equal(expected, WechatApiClient.ShowQrCodeBase(apiBase));

    // The client sends bytes, which HttpTest does not capture as text: read the request's content back.
    private static Task<string> Body(FlurlCall call) => call.HttpRequestMessage.Content!.ReadAsStringAsync();

    private sealed class ByteArrayContentWithType : ByteArrayContent
    {
        public ByteArrayContentWithType(byte[] content, string mediaType) : base(content) =>
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
    }
}
