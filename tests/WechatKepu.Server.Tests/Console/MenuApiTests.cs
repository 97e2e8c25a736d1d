using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Pages = WechatKepu.Server.Features.Menu.MiniProgramPages;
using WechatKepu.Server.Tests.Infrastructure;
using WechatKepu.Simulator.Platform;

namespace WechatKepu.Server.Tests.Console;

/// <summary>The custom-menu editor's API: WeChat's limits checked first, saved, published with menu/create, clicks answered.</summary>
public sealed class MenuApiTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    private const string Menu = $"/api/console/menu/{ConsoleApp.OaAppId}";
    private const string MenuCreate = "/cgi-bin/menu/create";

    private async Task<long> RuleAsync(HttpClient admin, string keyword, string reply)
    {
        var rule = await (await admin.PostAsJsonAsync($"/api/console/replies/{ConsoleApp.OaAppId}/rules",
            new { keyword, matchKind = "exact", replyText = reply, priority = 0, enabled = true })).JsonAsync(HttpStatusCode.Created);
        return rule.GetProperty("id").GetInt64();
    }

    private async Task<string?> ClickAsync(string key)
    {
        using var platform = new WechatPlatform(app.CreateClient(), new PlatformAccount(ConsoleApp.OaAppId, ConsoleApp.OaToken), app.Clock, null, app.Wechat);
        var reply = await platform.PostAsync(PlatformMessages.Click("gh_console", "o" + Guid.NewGuid().ToString("N")[..27], platform.Now, key), CallbackMode.Plaintext);
        return reply.Content;
    }

    [Fact]
    public async Task An_admin_publishes_a_menu_chosen_from_lists_and_each_click_answers_like_what_it_names()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var ruleId = await RuleAsync(admin, "开放时间" + Guid.NewGuid().ToString("N")[..6], "科技馆周二至周日 9:00—17:00 开放。");
        var options = await (await admin.GetAsync("/api/console/menu/options")).JsonAsync();
        Assert.Equal(["活动", "科普日", "报名", "帮助", "我的订阅"], options.GetProperty("commands").EnumerateArray().Select(c => c.GetProperty("label").GetString()));
        Assert.DoesNotContain(options.GetProperty("pages").EnumerateArray(), p => p.GetProperty("value").GetString() == "pages/signup/signup");

        var published = await (await admin.PutAsJsonAsync(Menu, new
        {
            buttons = new object[]
            {
                new { name = "近期活动", kind = "command", command = "activities" },
                new { name = "开放时间", kind = "reply", replyRuleId = ruleId },
                new
                {
                    name = "更多", kind = "group", children = new object[]
                    {
                        new { name = "科普日介绍", kind = "command", command = "science_day" },
                        new { name = "我的报名", kind = "miniprogram", page = "pages/signups/signups" },
                        new { name = "柳州市科协", kind = "view", url = "https://www.lzkx.org.cn/" },
                    },
                },
            },
        })).JsonAsync();

        Assert.True(published.TryGetProperty("publishedAt", out var at) && at.ValueKind == JsonValueKind.String);
        var sent = app.Wechat.Menu(ConsoleApp.OaAppId)!;
        Assert.Equal("KEPU_ACTIVITIES", (string?)sent[0]!["key"]);
        Assert.Equal($"KEPU_REPLY:{ruleId}", (string?)sent[1]!["key"]);
        var more = sent[2]!["sub_button"]!.AsArray();
        Assert.Equal("KEPU_SCIENCE_DAY", (string?)more[0]!["key"]);
        Assert.Equal((KepuApp.MpAppId, "pages/signups/signups"), ((string?)more[1]!["appid"], (string?)more[1]!["pagepath"]));
        Assert.Equal("https://www.lzkx.org.cn/", (string?)more[2]!["url"]);

        // Read back in the editor's shape.
        var read = await (await admin.GetAsync(Menu)).JsonAsync();
        Assert.Equal(ruleId, read.GetProperty("buttons")[1].GetProperty("replyRuleId").GetInt64());
        Assert.Equal("pages/signups/signups", read.GetProperty("buttons")[2].GetProperty("children")[1].GetProperty("page").GetString());

        // Clicks answer like the command or the rule they name.
        Assert.Equal("科技馆周二至周日 9:00—17:00 开放。", await ClickAsync($"KEPU_REPLY:{ruleId}"));
        Assert.Contains("主场活动", await ClickAsync("KEPU_SCIENCE_DAY"));
        Assert.Contains("小程序", await ClickAsync("KEPU_SIGNUP"));
        Assert.Contains("「活动」", await ClickAsync("KEPU_HELP"));
    }

    [Fact]
    public async Task A_button_for_a_rule_that_was_disabled_answers_with_the_default_reply()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var ruleId = await RuleAsync(admin, "停用" + Guid.NewGuid().ToString("N")[..6], "不该出现");
        await admin.PutAsJsonAsync($"/api/console/replies/{ConsoleApp.OaAppId}/rules/{ruleId}",
            new { keyword = "停用词", matchKind = "exact", replyText = "不该出现", priority = 0, enabled = false });

        var reply = await ClickAsync($"KEPU_REPLY:{ruleId}");

        Assert.NotNull(reply);
        Assert.DoesNotContain("不该出现", reply);
    }

    public static TheoryData<string, object, string> Refused() => new()
    {
        { "no buttons", new { buttons = Array.Empty<object>() }, "buttons" },
        { "four buttons", new { buttons = Enumerable.Range(1, 4).Select(i => new { name = $"按钮{i}", kind = "command", command = "help" }) }, "buttons" },
        { "17-byte name", new { buttons = new[] { new { name = "科普日活动报名", kind = "command", command = "help" } } }, "buttons[0].name" },
        { "unknown command", new { buttons = new[] { new { name = "活动", kind = "command", command = "shop" } } }, "buttons[0].command" },
        { "unknown rule", new { buttons = new[] { new { name = "回复", kind = "reply", replyRuleId = 987654321L } } }, "buttons[0].replyRuleId" },
        { "page needing a query", new { buttons = new[] { new { name = "报名", kind = "miniprogram", page = "pages/signup/signup" } } }, "buttons[0].page" },
        { "page not in app.json", new { buttons = new[] { new { name = "商城", kind = "miniprogram", page = "pages/shop/shop" } } }, "buttons[0].page" },
        { "url not http", new { buttons = new[] { new { name = "官网", kind = "view", url = "javascript:alert(1)" } } }, "buttons[0].url" },
        { "url over 1024 bytes", new { buttons = new[] { new { name = "官网", kind = "view", url = "https://x.cn/" + new string('a', 1013) } } }, "buttons[0].url" },
        { "no kind", new { buttons = new[] { new { name = "官网" } } }, "buttons[0].kind" },
        { "six children", new { buttons = new[] { new { name = "更多", kind = "group", children = Enumerable.Range(1, 6).Select(i => new { name = $"项{i}", kind = "command", command = "help" }) } } }, "buttons[0].children" },
        { "empty group", new { buttons = new[] { new { name = "更多", kind = "group", children = Array.Empty<object>() } } }, "buttons[0].children" },
        { "61-byte child name", new { buttons = new[] { new { name = "更多", kind = "group", children = new[] { new { name = new string('科', 20) + "x", kind = "command", command = "help" } } } } }, "buttons[0].children[0].name" },
        { "nested group", new { buttons = new[] { new { name = "更多", kind = "group", children = new[] { new { name = "再多", kind = "group" } } } } }, "buttons[0].children[0].kind" },
        { "null button", new { buttons = new object?[] { null } }, "buttons[0].name" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_menu_outside_wechat_limits_is_refused_in_chinese_before_anything_is_sent(string why, object body, string field)
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var before = app.Wechat.CountCalls(MenuCreate);

        var response = await admin.PutAsJsonAsync(Menu, body);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"{why}: {problem}");
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", messages[0].GetString());
        Assert.Equal(before, app.Wechat.CountCalls(MenuCreate));
    }

    [Fact]
    public async Task A_16_byte_name_and_a_60_byte_child_name_are_accepted()
    {
        using var admin = await app.StaffAsync("admin", unit: null);

        var response = await admin.PutAsJsonAsync(Menu, new
        {
            buttons = new object[]
            {
                new { name = "科普活动x", kind = "command", command = "help" },
                new { name = "更多", kind = "group", children = new[] { new { name = new string('科', 20), kind = "command", command = "activities" } } },
            },
        });

        await response.JsonAsync();
    }

    [Fact]
    public async Task Organisers_and_viewers_cannot_publish_and_an_unknown_account_is_404()
    {
        using var organiser = await app.StaffAsync("organiser");
        using var admin = await app.StaffAsync("admin", unit: null);
        var body = new { buttons = new[] { new { name = "活动", kind = "command", command = "activities" } } };

        Assert.Equal(HttpStatusCode.Forbidden, (await organiser.PutAsJsonAsync(Menu, body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await organiser.DeleteAsync(Menu)).StatusCode);
        await ProblemAssert.IsProblemAsync(await admin.PutAsJsonAsync("/api/console/menu/wxnosuchaccount00", body), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await admin.GetAsync("/api/console/menu/wxnosuchaccount00"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_menu_wechat_refuses_is_kept_unpublished_with_the_reason_and_delete_unpublishes()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var body = new { buttons = new[] { new { name = "帮助", kind = "command", command = "help" } } };
        app.Wechat.Faults.FailNext(1, 48001, MenuCreate);

        var refused = await ProblemAssert.IsProblemAsync(await admin.PutAsJsonAsync(Menu, body), HttpStatusCode.BadGateway, "menu_not_published");
        Assert.Contains("48001", refused.GetProperty("detail").GetString());
        var saved = await (await admin.GetAsync(Menu)).JsonAsync();
        Assert.Equal(JsonValueKind.Null, saved.GetProperty("publishedAt").ValueKind);
        Assert.Contains("48001", saved.GetProperty("publishError").GetString());

        await (await admin.PutAsJsonAsync(Menu, body)).JsonAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(Menu)).StatusCode);
        Assert.Null(app.Wechat.Menu(ConsoleApp.OaAppId));
        var deleted = await (await admin.GetAsync(Menu)).JsonAsync();
        Assert.Equal(JsonValueKind.Null, deleted.GetProperty("publishedAt").ValueKind);
        Assert.Equal("帮助", deleted.GetProperty("buttons")[0].GetProperty("name").GetString());
    }
}

/// <summary>The page list staff choose from is the mini-program's own.</summary>
public sealed class MiniProgramPagesTests
{
    [Fact]
    public void The_server_page_list_is_exactly_the_pages_of_app_json_and_each_query_key_is_read_by_its_page()
    {
        var root = WechatKepu.Data.Embedded.RepoRoot.Find();

        Assert.Equal(Infrastructure.MiniProgramPages.All().Order(), Pages.All.Select(p => p.Path).Order());
        foreach (var page in Pages.All.Where(p => p.QueryKey is not null))
        {
            Assert.Contains($"query.{page.QueryKey}", File.ReadAllText(Path.Combine(root, "miniprogram", page.Path + ".js")));
        }

        // The session page's mini-program code passes sessionId in its scene: the page must read it from there too.
        Assert.Contains("sceneParam(query.scene, 'sessionId')", File.ReadAllText(Path.Combine(root, "miniprogram", Pages.Session.Path + ".js")));
    }
}
