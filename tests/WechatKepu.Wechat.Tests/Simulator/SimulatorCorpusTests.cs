using System.Net.Http.Json;
using System.Text.Json;
using WechatKepu.Simulator;
using WechatKepu.Simulator.Platform;
using WechatKepu.Testing;

namespace WechatKepu.Wechat.Tests.Simulator;

/// <summary>
/// The simulator against tests/Corpus: its answers and the pushes its platform side writes have the shapes of the
/// payloads written from WeChat's documentation (the same property names and JSON kinds, ids as 19-digit numbers).
/// </summary>
public sealed class SimulatorCorpusTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    internal static string Shape(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => p.Name + ":" + Shape(p.Value))) + "}",
        JsonValueKind.Array => "[" + string.Join(",", e.EnumerateArray().Select(Shape).Distinct()) + "]",
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => e.ValueKind.ToString(),
    };

    internal static string CorpusShape(string file) => Shape(JsonDocument.Parse(WechatKepu.Testing.Corpus.Read(file)).RootElement);

    private async Task<(HttpClient Http, string AppId, string Token)> AccountAsync()
    {
        var appId = "wx" + Guid.NewGuid().ToString("N")[..16];
        fixture.Sim.AddAccount(appId, "s");
        var http = new HttpClient { BaseAddress = new Uri(fixture.Host.BaseUrl) };
        var token = await http.PostAsJsonAsync("/cgi-bin/stable_token", new { grant_type = "client_credential", appid = appId, secret = "s" });
        var body = JsonDocument.Parse(await token.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(CorpusShape("api/stable_token.ok.json"), Shape(body));
        return (http, appId, body.GetProperty("access_token").GetString()!);
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, string path, string token, object body) =>
        JsonDocument.Parse(await (await http.PostAsJsonAsync($"{path}?access_token={token}", body)).Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task Send_answers_have_the_documented_shapes_with_19_digit_ids()
    {
        var (http, appId, token) = await AccountAsync();
        const string openId = "oAbeuEchsVEoR7TJYHSDATOCN1D6";
        fixture.Sim.AddFollower(appId, openId);
        fixture.Sim.AddFollower(appId, "o1-k7U4O5Zi-czrwcK_tmoYgj7LZ");
        fixture.Sim.GrantSubscribe(appId, openId, "tpl");
        var data = new { thing1 = new { value = "科学实验秀" } };

        var template = await PostAsync(http, "/cgi-bin/message/template/send", token, new { touser = openId, template_id = "tpl", data });
        Assert.Equal(CorpusShape("api/template_send.ok.json"), Shape(template));
        Assert.Equal(19, template.GetProperty("msgid").GetRawText().Length);

        var subscribe = await PostAsync(http, "/cgi-bin/message/subscribe/send", token, new { touser = openId, template_id = "tpl", data });
        Assert.Equal(CorpusShape("api/subscribe_send.ok.json"), Shape(subscribe));

        fixture.Sim.AddDraft(appId, "m");
        var mass = new { touser = new[] { openId, "o1-k7U4O5Zi-czrwcK_tmoYgj7LZ" }, msgtype = "mpnews", mpnews = new { media_id = "m" }, clientmsgid = "c-" + appId };
        Assert.Equal(CorpusShape("api/mass_send.ok.json"), Shape(await PostAsync(http, "/cgi-bin/message/mass/send", token, mass)));
        Assert.Equal(CorpusShape("api/mass_send.45065.json"), Shape(await PostAsync(http, "/cgi-bin/message/mass/send", token, mass)));

        var custom = await PostAsync(http, "/cgi-bin/message/custom/send", token, new { touser = openId, msgtype = "text", text = new { content = "x" } });
        Assert.Equal(CorpusShape("api/custom_send.45015.json"), Shape(custom));
    }

    [Fact]
    public async Task Menu_and_qrcode_answers_have_the_documented_shapes()
    {
        var (http, _, token) = await AccountAsync();
        var menu = JsonDocument.Parse(WechatKepu.Testing.Corpus.Read("api/menu_get.ok.json")).RootElement.GetProperty("menu");

        // The documented menu/create body, read back: the documented menu/get answer.
        Assert.Equal(0, (await PostAsync(http, "/cgi-bin/menu/create", token, menu)).GetProperty("errcode").GetInt32());
        var read = JsonDocument.Parse(await http.GetStringAsync($"/cgi-bin/menu/get?access_token={token}")).RootElement;
        Assert.Equal(CorpusShape("api/menu_get.ok.json"), Shape(read));
        var refused = await PostAsync(http, "/cgi-bin/menu/create", token, new { button = new[] { new { type = "click", name = "科普日活动报名", key = "K" } } });
        Assert.Equal(CorpusShape("api/menu_create.40018.json"), Shape(refused));
        Assert.Equal(40018, refused.GetProperty("errcode").GetInt32());
        await http.GetStringAsync($"/cgi-bin/menu/delete?access_token={token}");
        var gone = JsonDocument.Parse(await http.GetStringAsync($"/cgi-bin/menu/get?access_token={token}")).RootElement;
        Assert.Equal((CorpusShape("api/menu_get.46003.json"), 46003), (Shape(gone), gone.GetProperty("errcode").GetInt32()));

        var permanent = await PostAsync(http, "/cgi-bin/qrcode/create", token,
            new { action_name = "QR_LIMIT_STR_SCENE", action_info = new { scene = new { scene_str = "act:12" } } });
        Assert.Equal(CorpusShape("api/qrcode_create.ok.json"), Shape(permanent));
        var temporary = await PostAsync(http, "/cgi-bin/qrcode/create", token,
            new { expire_seconds = 60, action_name = "QR_STR_SCENE", action_info = new { scene = new { scene_str = "act:12" } } });
        Assert.Equal(CorpusShape("api/qrcode_create.temporary.ok.json"), Shape(temporary));
    }

    [Fact]
    public async Task Login_answers_the_session_without_errcode()
    {
        var (http, appId, _) = await AccountAsync();
        var code = fixture.Sim.IssueLoginCode("oAbeuEchsVEoR7TJYHSDATOCN1D6", appId, unionId: "o6_bmasdasdsad6_2sgVt7hMZOPfL");
        var session = JsonDocument.Parse(await http.GetStringAsync($"/sns/jscode2session?appid={appId}&secret=s&js_code={code}&grant_type=authorization_code")).RootElement;
        Assert.Equal(CorpusShape("api/jscode2session.ok.json"), Shape(session));
    }

    [Fact]
    public async Task A_code_is_an_image_and_a_refusal_is_json()
    {
        var (http, _, token) = await AccountAsync();
        var image = await http.PostAsJsonAsync($"/wxa/getwxacodeunlimit?access_token={token}", new { scene = "s=1", page = "pages/index/index" });
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
        var png = WechatKepu.Testing.Corpus.ReadBytes("api/getwxacodeunlimit.ok.png");
        Assert.Equal(png[..8], (await image.Content.ReadAsByteArrayAsync())[..8]); // the PNG signature

        var refused = await http.PostAsJsonAsync($"/wxa/getwxacodeunlimit?access_token={token}", new { scene = new string('s', 33) });
        Assert.StartsWith("application/json", refused.Content.Headers.ContentType?.ToString());
        Assert.Equal(CorpusShape("api/getwxacodeunlimit.41030.json"), Shape(JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement));
    }

    [Theory]
    [InlineData("push/subscribe_msg_sent_event.object.json", true)]
    [InlineData("push/subscribe_msg_sent_event.xml", false)]
    public void The_platforms_subscribe_receipt_is_shaped_like_wechats(string file, bool json)
    {
        var push = ReceiptDelivery.ToPush(new SubscribeMessageSent("wxmp", DateTimeOffset.FromUnixTimeSeconds(1700827133),
            "oAbeuEchsVEoR7TJYHSDATOCN1D6", "tpl", 1700827132819554304), "gh_3f8a1c27b9e4", json);
        var expected = WechatKepu.Wechat.Messages.WechatXml.Parse(WechatKepu.Testing.Corpus.Read(file));
        var actual = WechatKepu.Wechat.Messages.WechatXml.Parse(push);
        static string Tree(WechatKepu.Wechat.Messages.WechatXmlElement e) =>
            e.Value is not null ? e.Name : e.Name + "(" + string.Join(",", e.Children.Select(Tree)) + ")";
        Assert.Equal(Tree(expected), Tree(actual));
        Assert.Equal(json, PlatformMessages.IsJson(push));
        if (json)
        {
            Assert.Equal(CorpusShape(file), Shape(JsonDocument.Parse(push).RootElement));
        }
    }
}
