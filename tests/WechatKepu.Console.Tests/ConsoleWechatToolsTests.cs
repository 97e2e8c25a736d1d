using System.Text.Json;
using Dapper;
using Microsoft.Playwright;
using WechatKepu.Simulator.Platform;

namespace WechatKepu.Console.Tests;

/// <summary>The custom menu and the poster codes, used by staff who choose names from lists, in headless Chromium.</summary>
public sealed class ConsoleWechatToolsTests(ConsoleSite site) : IClassFixture<ConsoleSite>
{
    private Task<IPage> SignInAsync() => site.SignInAsync();

    private WechatPlatform Platform() => site.Platform();

    private static ILocator Button(IPage page, int index) => page.Locator(".wxmenu-button").Nth(index);

    [Fact]
    public async Task An_admin_builds_the_menu_from_lists_sees_wechats_limits_in_chinese_publishes_it_and_a_click_answers()
    {
        var page = await SignInAsync();
        // A keyword reply to offer as a button.
        await page.GotoAsync("/console/#/replies");
        var rule = page.Locator("#reply-rule");
        await rule.WaitForAsync();
        await rule.Locator("[name=keyword]").FillAsync("开放时间");
        await rule.Locator("[name=replyText]").FillAsync("柳州科技馆周二至周日 9:00—17:00 开放，周一闭馆。");
        await rule.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#reply-rules")).ToContainTextAsync("周一闭馆");

        await page.GotoAsync("/console/#/menu");
        await page.Locator("#wxmenu-editor").WaitForAsync();
        await page.ClickAsync("#wxmenu-add");
        await Button(page, 0).Locator(":scope > .fields [name=name]").FillAsync("近期活动");
        await Button(page, 0).Locator(":scope > .fields [name=kind]").SelectOptionAsync(new SelectOptionValue { Label = "指令" });
        await Button(page, 0).Locator(":scope > .fields [name=command]").SelectOptionAsync(new SelectOptionValue { Label = "「活动」" });

        await page.ClickAsync("#wxmenu-add");
        await Button(page, 1).Locator(":scope > .fields [name=name]").FillAsync("开放时间");
        await Button(page, 1).Locator(":scope > .fields [name=kind]").SelectOptionAsync(new SelectOptionValue { Label = "关键词回复" });
        await Button(page, 1).Locator(":scope > .fields [name=rule]").SelectOptionAsync(new SelectOptionValue { Label = "开放时间" });

        await page.ClickAsync("#wxmenu-add");
        await Button(page, 2).Locator(":scope > .fields [name=name]").FillAsync("科普日活动报名入口");
        await Button(page, 2).Locator(":scope > .fields [name=kind]").SelectOptionAsync(new SelectOptionValue { Label = "子菜单" });
        await Button(page, 2).Locator(".wxmenu-add-child").ClickAsync();
        var child = Button(page, 2).Locator(".wxmenu-child").Nth(0);
        await child.Locator("[name=name]").FillAsync("我的报名");
        await child.Locator("[name=kind]").SelectOptionAsync(new SelectOptionValue { Label = "小程序页面" });
        await child.Locator("[name=page]").SelectOptionAsync(new SelectOptionValue { Label = "我的报名" });
        await Button(page, 2).Locator(".wxmenu-add-child").ClickAsync();
        child = Button(page, 2).Locator(".wxmenu-child").Nth(1);
        await child.Locator("[name=name]").FillAsync("科普日介绍");
        await child.Locator("[name=kind]").SelectOptionAsync(new SelectOptionValue { Label = "指令" });
        await child.Locator("[name=command]").SelectOptionAsync(new SelectOptionValue { Label = "「科普日」" });

        // Too long for a top-level button: said in Chinese, and nothing goes to WeChat.
        await Assertions.Expect(page.Locator("#wxmenu-errors")).ToContainTextAsync("太长：微信限 16 字节");
        await Assertions.Expect(page.Locator("#wxmenu-add")).ToHaveCountAsync(0); // three top-level buttons at most
        await page.ClickAsync("#wxmenu-publish");
        await Assertions.Expect(page.Locator("#toast")).ToContainTextAsync("不符合微信的要求");
        Assert.Empty(site.Wechat.CallsTo("/cgi-bin/menu/create"));
        await Assertions.Expect(page.Locator("#wxmenu-editor")).Not.ToContainTextAsync("null");
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await ConsoleSite.ScreenshotAsync(page, "menu-1-limits");

        await Button(page, 2).Locator(":scope > .fields [name=name]").FillAsync("更多");
        await Assertions.Expect(page.Locator("#wxmenu-errors li")).ToHaveCountAsync(0);
        await page.ClickAsync("#wxmenu-publish");
        await Assertions.Expect(page.Locator("#wxmenu-status")).ToContainTextAsync("发布到微信");
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await ConsoleSite.ScreenshotAsync(page, "menu-2-published");

        var menu = site.Wechat.Menu(ConsoleSite.OaAppId)!;
        Assert.Equal(["近期活动", "开放时间", "更多"], menu.Select(b => (string?)b!["name"]));
        Assert.Equal("KEPU_ACTIVITIES", (string?)menu[0]!["key"]);
        var replyKey = (string)menu[1]!["key"]!;
        Assert.StartsWith("KEPU_REPLY:", replyKey);
        Assert.Equal((ConsoleSite.MpAppId, "pages/signups/signups"), ((string?)menu[2]!["sub_button"]![0]!["appid"], (string?)menu[2]!["sub_button"]![0]!["pagepath"]));

        // A follower taps 开放时间: the rule's answer.
        using var platform = Platform();
        var reply = await platform.PostAsync(PlatformMessages.Click("gh_browser", "o-menu-tapper-000000000000000", platform.Now, replyKey), CallbackMode.Plaintext);
        Assert.Equal("柳州科技馆周二至周日 9:00—17:00 开放，周一闭馆。", reply.Content);

        // The page shows the published menu again after a reload.
        await page.ReloadAsync();
        await Assertions.Expect(Button(page, 1).Locator(":scope > .fields [name=rule] option:checked")).ToHaveTextAsync("开放时间");
    }

    [Fact]
    public async Task An_admin_makes_a_poster_code_for_an_activity_downloads_it_and_a_scan_subscribes_and_is_counted()
    {
        long activityId;
        await using (var conn = new Npgsql.NpgsqlConnection(site.ConnectionString))
        {
            activityId = await conn.ExecuteScalarAsync<long>("SELECT id FROM activities WHERE code = '5.1.2'");
            await conn.ExecuteAsync("INSERT INTO reminder_topics (app_id, name, activity_id, template_id) VALUES (@app, '科学荟提醒', @activityId, 'tmpl-browser-topic') ON CONFLICT DO NOTHING",
                new { app = ConsoleSite.OaAppId, activityId });
        }

        var page = await SignInAsync();
        await page.GotoAsync("/console/#/posters");
        await page.Locator("#poster-form").WaitForAsync();
        var label = await page.Locator("#poster-activity option", new() { HasText = "5.1.2 " }).TextContentAsync();
        await page.Locator("#poster-activity").SelectOptionAsync(new SelectOptionValue { Label = label! });
        await page.Locator("#poster-kind").SelectOptionAsync(new SelectOptionValue { Label = "永久二维码（关注公众号，长期有效）" });
        await page.ClickAsync("#poster-form button[type=submit]");
        await page.WaitForURLAsync("**/console/#/posters?activity=*&new=*");
        await Assertions.Expect(page.Locator("#poster-preview img")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[name=days]")).ToBeHiddenAsync(); // only for temporary codes
        await page.WaitForFunctionAsync("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)");
        await ConsoleSite.ScreenshotAsync(page, "posters-1-created");

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#poster-download"));
        var path = Path.Combine(ConsoleSite.ScreenshotDir, "poster-download.png");
        await download.SaveAsAsync(path);
        var png = await File.ReadAllBytesAsync(path);
        Assert.Equal(0x89, png[0]);
        Assert.True(System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)) >= 800);

        // A simulated follower scans the poster: WeChat sends subscribe with qrscene_<scene>.
        var body = JsonDocument.Parse(site.Wechat.CallsTo("/cgi-bin/qrcode/create")[^1].Body!).RootElement;
        var scene = body.GetProperty("action_info").GetProperty("scene").GetProperty("scene_str").GetString()!;
        Assert.StartsWith($"act:{activityId}:", scene);
        using var platform = Platform();
        var reply = await platform.PostAsync(PlatformMessages.Subscribe("gh_browser", "o-poster-scanner-0000000000000", platform.Now, scene), CallbackMode.Plaintext);
        Assert.Contains("已为您订阅「科学荟提醒」", reply.Content);

        await page.ReloadAsync();
        var row = page.Locator("#posters tr[data-id]").First;
        await Assertions.Expect(row.Locator(".scans")).ToHaveTextAsync("1");
        await Assertions.Expect(row.Locator(".new-followers")).ToHaveTextAsync("1");
        await page.WaitForFunctionAsync("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)");
        await ConsoleSite.ScreenshotAsync(page, "posters-2-scanned");
    }
}
