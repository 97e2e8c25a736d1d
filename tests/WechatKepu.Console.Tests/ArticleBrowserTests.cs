using Microsoft.Playwright;

namespace WechatKepu.Console.Tests;

/// <summary>
/// 图文 in headless Chromium: a staff member uploads a cover and a body image, saves the article as a draft, picks it
/// and a WeChat tag by name in the composer, previews it on their own WeChat and sends it to the tag.
/// </summary>
public sealed class ArticleBrowserTests(ConsoleSite site) : IClassFixture<ConsoleSite>
{
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private async Task<IPage> SignInAsync()
    {
        var page = await site.NewPageAsync();
        await page.GotoAsync("/console/");
        await page.Locator("#login-form").WaitForAsync();
        await page.FillAsync("input[name=username]", ConsoleSite.AdminUser);
        await page.FillAsync("input[name=password]", ConsoleSite.AdminPassword);
        await page.ClickAsync("#login-form button[type=submit]");
        await page.Locator("#upcoming").WaitForAsync();
        return page;
    }

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
}
