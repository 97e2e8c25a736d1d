using System.Net.Http.Json;
using Microsoft.Playwright;
using WechatKepu.Data;

namespace WechatKepu.Console.Tests;

/// <summary>
/// 图文 in headless Chromium: a staff member uploads a cover and a body image, saves the article as a draft, picks it
/// and a WeChat tag by name in the composer, previews it on their own WeChat and sends it to the tag.
/// </summary>
public sealed class ArticleBrowserTests : IClassFixture<ConsoleSite>
{
    private const string ActivityTemplate = "Rk3mP8vXq2LcYt6NbZs0Hd9Fg4Ja7Ue1Wi5Ov3Kt8Xa";

    private readonly ConsoleSite site;

    public ArticleBrowserTests(ConsoleSite site)
    {
        this.site = site;
        // In the account's template list before the console's first visit syncs the library.
        site.Wechat.AddTemplate(ConsoleSite.OaAppId, new WechatKepu.Simulator.SimTemplate(ActivityTemplate, "活动通知",
            "活动名称：{{thing1.DATA}}\n活动时间：{{time2.DATA}}\n活动地点：{{thing3.DATA}}"));
        site.Wechat.AddTemplate(ConsoleSite.OaAppId, ActivityTemplate);
    }

    internal static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private Task<IPage> SignInAsync() => site.SignInAsync();

    [Fact]
    public async Task A_staff_member_composes_an_article_with_an_uploaded_cover_and_sends_it_to_a_tag_after_a_preview()
    {
        var tagId = site.Wechat.AddTag(ConsoleSite.OaAppId, "科普志愿者");
        site.Wechat.AddFollower(ConsoleSite.OaAppId, "oVolunteerBrowser00000000001", null, true, tagId);
        site.Wechat.AddFollower(ConsoleSite.OaAppId, "oVolunteerBrowser00000000002", null, true, tagId);
        var page = await SignInAsync();

        await page.GotoAsync("/console/#/articles");
        var form = page.Locator("#article-form");
        await form.WaitForAsync();
        await form.Locator("[name=title]").FillAsync("全国科普日柳州主场活动");
        await form.Locator("[name=author]").FillAsync("柳州市科协");
        await form.Locator("[name=digest]").FillAsync("9月14日 柳州科技馆 欢迎参加");
        await form.Locator("#article-cover").SetInputFilesAsync(new FilePayload { Name = "cover.png", MimeType = "image/png", Buffer = Png });
        await Assertions.Expect(page.Locator("#article-cover-preview")).ToBeVisibleAsync();
        await form.Locator("#article-content").FillAsync("<p>全国科普日主场活动在柳州科技馆举行，欢迎家长带孩子参加。</p>");
        await form.Locator("#article-body-image").SetInputFilesAsync(new FilePayload { Name = "photo.png", MimeType = "image/png", Buffer = Png });
        await Assertions.Expect(form.Locator("#article-content")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("<img src=\"http://mmbiz\\.qpic\\.cn/"));
        await ConsoleSite.ScreenshotAsync(page, "21-article-editor");
        await form.Locator("#article-save").ClickAsync();
        var row = page.Locator("#articles tr", new() { HasText = "全国科普日柳州主场活动" });
        await Assertions.Expect(row).ToContainTextAsync("未发布");
        Assert.Contains(site.Wechat.CallsTo("/cgi-bin/draft/add"), c => c.Errcode == 0);

        // From the article to the composer: the article is chosen, the tag is picked by its name.
        await row.Locator("a", new() { HasText = "群发" }).ClickAsync();
        var compose = page.Locator("#broadcast-form");
        await compose.WaitForAsync();
        await Assertions.Expect(compose.Locator("#bc-kind")).ToHaveValueAsync("mpnews");
        await compose.Locator("[name=title]").FillAsync("科普日图文推送");
        await compose.Locator("#bc-audience").SelectOptionAsync("tag");
        await compose.Locator("#bc-tag").SelectOptionAsync(new SelectOptionValue { Label = "科普志愿者（2 人）" });
        await Assertions.Expect(page.Locator("#bc-quota")).ToContainTextAsync("每月可群发 4 次");
        await ConsoleSite.ScreenshotAsync(page, "22-broadcast-compose-article");
        await compose.Locator("#bc-save").ClickAsync();
        await page.WaitForURLAsync("**/console/#/broadcast/*");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("图文《全国科普日柳州主场活动》");

        await page.ClickAsync("#bc-preview");
        await Assertions.Expect(page.Locator("#toast")).ToContainTextAsync("成功");
        var preview = site.Wechat.CallsTo("/cgi-bin/message/mass/preview")[^1];
        Assert.Equal((ConsoleSite.AdminOpenId, 0), (preview.OpenId, preview.Errcode));
        Assert.Contains("\"msgtype\":\"mpnews\"", preview.Body);

        await page.ClickAsync("#bc-send-now");
        await Assertions.Expect(page.Locator("#bc-status")).ToContainTextAsync("已完成", new() { Timeout = 30_000 });
        await ConsoleSite.ScreenshotAsync(page, "23-broadcast-article-report");
        var sent = Assert.Single(site.Wechat.CallsTo("/cgi-bin/message/mass/sendall"));
        Assert.Contains($"\"tag_id\":{tagId}", sent.Body);
        Assert.Contains("\"msgtype\":\"mpnews\"", sent.Body);
    }

    [Fact]
    public async Task A_staff_member_sends_a_template_broadcast_to_a_sessions_parents_choosing_the_template_and_session_by_name()
    {
        long sessionId;
        await using (var conn = new Npgsql.NpgsqlConnection(site.ConnectionString))
        {
            sessionId = await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn, """
                INSERT INTO sessions (activity_id, title, starts_at, ends_at, venue, capacity, signup_opens_at, signup_closes_at, cancel_deadline)
                SELECT id, '模板通知测试场', now() + interval '6 days', now() + interval '6 days 2 hours', '柳州科技馆', 10,
                       now() - interval '1 day', now() + interval '5 days', now() + interval '5 days'
                FROM activities WHERE code = '5.1.2' RETURNING id
                """);
        }

        const string parentOpenId = "oTmplParentMp000000000000001";
        const string follower = "oTmplParentOa000000000000001";
        var (parent, child) = await site.ParentAsync(parentOpenId, "黄小宇");
        (await parent.PostAsJsonAsync($"/api/mp/sessions/{sessionId}/signups", new { childIds = new[] { child } })).EnsureSuccessStatusCode();
        await using (var conn = new Npgsql.NpgsqlConnection(site.ConnectionString))
        {
            await Dapper.SqlMapper.ExecuteAsync(conn, """
                UPDATE mp_users SET unionid = 'oUnion-tmpl-parent' WHERE openid = @parentOpenId;
                INSERT INTO followers (app_id, openid, unionid, subscribed, subscribed_at) VALUES (@app, @follower, 'oUnion-tmpl-parent', true, now());
                """, new { parentOpenId, follower, app = ConsoleSite.OaAppId });
        }

        site.Wechat.AddFollower(ConsoleSite.OaAppId, follower, "oUnion-tmpl-parent");
        var page = await SignInAsync();
        await page.GotoAsync("/console/#/broadcasts");
        var form = page.Locator("#broadcast-form");
        await form.WaitForAsync();
        await form.Locator("[name=title]").FillAsync("科学荟场次提醒");
        await form.Locator("#bc-kind").SelectOptionAsync("template");
        await form.Locator("#bc-template").SelectOptionAsync(new SelectOptionValue { Label = "活动通知" });
        await form.Locator("[data-key=thing1]").FillAsync("青少年科学荟");
        await form.Locator("[data-key=time2]").FillAsync("2024年9月14日 09:00");
        await form.Locator("[data-key=thing3]").FillAsync("柳州科技馆三楼");
        await form.Locator("#bc-audience").SelectOptionAsync("session");
        await form.Locator("#bc-session-q").FillAsync("科学");
        await form.Locator("#bc-session-find").ClickAsync();
        var option = form.Locator("#bc-session option", new() { HasText = "模板通知测试场" });
        await Assertions.Expect(option).ToHaveCountAsync(1);
        await form.Locator("#bc-session").SelectOptionAsync((await option.GetAttributeAsync("value"))!);
        await ConsoleSite.ScreenshotAsync(page, "24-broadcast-compose-template");
        await form.Locator("#bc-save").ClickAsync();
        await page.WaitForURLAsync("**/console/#/broadcast/*");

        await page.ClickAsync("#bc-preview");
        await Assertions.Expect(page.Locator("#toast")).ToContainTextAsync("成功");
        Assert.Contains(site.Wechat.CallsTo("/cgi-bin/message/template/send"), c => c.OpenId == ConsoleSite.AdminOpenId && c.Errcode == 0);

        await page.ClickAsync("#bc-send-now");
        await Assertions.Expect(page.Locator("#bc-status")).ToContainTextAsync("已完成", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#bc-delivery")).ToContainTextAsync("成功 1");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("模板《活动通知》：活动名称：青少年科学荟");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("场次“模板通知测试场");
        await ConsoleSite.ScreenshotAsync(page, "25-broadcast-template-report");
        var sent = Assert.Single(site.Wechat.CallsTo("/cgi-bin/message/template/send"), c => c.OpenId == follower);
        Assert.Equal(0, sent.Errcode);
        Assert.Contains("青少年科学荟", sent.Body);
    }
}
