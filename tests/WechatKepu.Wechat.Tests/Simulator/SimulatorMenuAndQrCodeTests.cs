using WechatKepu.Wechat.Api;
using WechatKepu.Wechat.Api.Models.Menu;
using WechatKepu.Wechat.Api.Models.Qrcode;

namespace WechatKepu.Wechat.Tests.Simulator;

/// <summary>The simulator's menu and QR code APIs enforce WeChat's limits, through the real client.</summary>
public sealed class SimulatorMenuAndQrCodeTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private static MenuButton Click(string name, string key = "K") => new("click", name, Key: key);

    [Fact]
    public async Task A_menu_is_created_read_back_with_empty_sub_buttons_and_deleted()
    {
        var account = fixture.NewAccount();
        var mini = fixture.NewAccount();
        account.Sim.AddPage(mini.AppId, "pages/index/index");

        await account.Client.CreateMenuAsync(new MenuCreateRequest([
            Click("活动", "KEPU_ACTIVITIES"),
            new MenuButton(null, "服务", SubButtons: [
                new MenuButton("view", "科协官网", Url: "https://www.lzkx.org.cn/"),
                new MenuButton("miniprogram", "我要报名", Url: "https://www.lzkx.org.cn/", AppId: mini.AppId, PagePath: "pages/index/index"),
            ]),
        ]));
        var menu = (await account.Client.GetMenuAsync()).Menu!;
        await account.Client.DeleteMenuAsync();
        var gone = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.GetMenuAsync());

        Assert.Equal(["活动", "服务"], menu.Buttons.Select(b => b.Name));
        Assert.Empty(menu.Buttons[0].SubButtons!);
        Assert.Equal("pages/index/index", menu.Buttons[1].SubButtons![1].PagePath);
        Assert.Equal(46003, gone.Errcode);
    }

    public static TheoryData<string, MenuButton[], int> Refused() => new()
    {
        { "no buttons", [], 40016 },
        { "four buttons", [Click("一"), Click("二"), Click("三"), Click("四")], 40016 },
        { "unknown type", [new MenuButton("tap", "活动", Key: "K")], 40017 },
        { "17-byte name", [Click("科普日活动报名")], 40018 },
        { "129-byte key", [Click("活动", new string('k', 129))], 40019 },
        { "1025-byte url", [new MenuButton("view", "官网", Url: "https://x.cn/" + new string('a', 1013))], 40020 },
        { "six sub-buttons", [new MenuButton(null, "更多", SubButtons: Enumerable.Range(1, 6).Select(i => Click($"项{i}")).ToArray())], 40023 },
        { "61-byte sub name", [new MenuButton(null, "更多", SubButtons: [Click(new string('科', 20) + "x")])], 40025 },
        { "view without url", [new MenuButton("view", "官网")], 40020 },
        { "mini-program page not published", [new MenuButton("miniprogram", "报名", Url: "https://x.cn/", AppId: "MINI", PagePath: "pages/nowhere/nowhere")], 40165 },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_menu_beyond_wechat_limits_is_refused_and_the_old_one_kept(string why, MenuButton[] buttons, int errcode)
    {
        var account = fixture.NewAccount();
        var mini = fixture.NewAccount();
        account.Sim.AddPage(mini.AppId, "pages/index/index");
        await account.Client.CreateMenuAsync(new MenuCreateRequest([Click("旧菜单")]));
        var fixedButtons = buttons.Select(b => b.AppId == "MINI" ? b with { AppId = mini.AppId } : b).ToArray();

        var e = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.CreateMenuAsync(new MenuCreateRequest(fixedButtons)));

        Assert.True(errcode == e.Errcode, $"{why}: {e.Errcode} {e.Message}");
        Assert.Equal("旧菜单", Assert.Single((await account.Client.GetMenuAsync()).Menu!.Buttons).Name);
    }

    [Fact]
    public async Task A_16_byte_name_and_a_60_byte_sub_name_fit()
    {
        var account = fixture.NewAccount();

        await account.Client.CreateMenuAsync(new MenuCreateRequest([Click("科普活动报名" [..5] + "x"), new MenuButton(null, "更多", SubButtons: [Click(new string('科', 20))])]));

        Assert.Equal(2, (await account.Client.GetMenuAsync()).Menu!.Buttons.Count);
    }

    [Fact]
    public async Task Qr_codes_carry_their_scene_temporary_ones_expire_and_showqrcode_serves_an_image()
    {
        var account = fixture.NewAccount();

        var permanent = await account.Client.CreateQrCodeAsync(QrCodeCreateRequest.Permanent("act:7"));
        var temporary = await account.Client.CreateQrCodeAsync(QrCodeCreateRequest.Temporary("ses:9", 3600));
        var image = await account.Client.ShowQrCodeAsync(permanent.Ticket);
        var unknown = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.ShowQrCodeAsync("gQnot-a-ticket"));

        Assert.Null(permanent.ExpireSeconds);
        Assert.Equal(3600, temporary.ExpireSeconds);
        Assert.StartsWith("http://weixin.qq.com/q/", permanent.Url);
        Assert.NotEqual(permanent.Ticket, temporary.Ticket);
        Assert.Equal("act:7", account.Sim.QrCodeScene(permanent.Ticket));
        Assert.Equal("ses:9", account.Sim.QrCodeScene(temporary.Ticket));
        Assert.StartsWith("image/", image.ContentType);
        Assert.True(unknown.IsTransport);
    }

    [Theory]
    [InlineData("QR_LIMIT_STR_SCENE", "", null)]
    [InlineData("QR_STR_SCENE", "a-scene-that-is-longer-than-sixty-four-characters-because-it-keeps-on-going", 60)]
    [InlineData("QR_STR_SCENE", "act:1", 2_592_001)]
    [InlineData("QR_SOMETHING", "act:1", null)]
    public async Task Qr_code_requests_out_of_bounds_are_refused(string action, string scene, int? expire)
    {
        var account = fixture.NewAccount();

        var e = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.CreateQrCodeAsync(
            new QrCodeCreateRequest(action, new QrCodeActionInfo(new QrCodeScene(SceneStr: scene)), expire)));

        Assert.Equal(40097, e.Errcode);
    }
}
