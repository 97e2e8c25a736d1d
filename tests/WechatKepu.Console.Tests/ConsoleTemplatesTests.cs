using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WechatKepu.Data;
using WechatKepu.Server.Features.Delivery;
using WechatKepu.Simulator;
using WechatKepu.Simulator.Platform;

namespace WechatKepu.Console.Tests;

/// <summary>
/// Issue 17's template library, topic editor and keyword-rule editor, used by staff who only choose names from
/// lists, in headless Chromium; then a follower's reminder and replies show what they chose.
/// </summary>
public sealed class ConsoleTemplatesTests(ConsoleSite site) : IClassFixture<ConsoleSite>
{
    private const string QuizTemplate = "Qz7aT1mPlAtE0kepuBrowserQuizReminder0000001";
    private const string Topic = "健康知识问答";

    private Task<IPage> SignInAsync() => site.SignInAsync();

    private WechatPlatform Platform() => site.Platform();

    private async Task<string?> SendAsync(string openId, string text) => (await ReplyAsync(openId, text)).Content;

    private async Task<PlatformReply> ReplyAsync(string openId, string text)
    {
        using var platform = Platform();
        var msgId = 1_700_000_000_000_000_000L + Random.Shared.NextInt64(1_000_000_000_000);
        return await platform.PostAsync(PlatformMessages.Text("gh_browser", openId, platform.Now, text, msgId), CallbackMode.Plaintext);
    }

    private static string LocalInput(DateTimeOffset t) => Shanghai.ToShanghai(t).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Staff_choose_a_topics_template_and_its_fields_from_lists_and_a_followers_reminder_uses_them()
    {
        site.Wechat.AddTemplate(ConsoleSite.OaAppId, new SimTemplate(QuizTemplate, "答题开始提醒",
            "答题活动:{{thing1.DATA}}\n开始时间:{{time2.DATA}}\n参与方式:{{thing3.DATA}}\n状态:{{phrase4.DATA}}\n",
            "答题活动:健康知识问答·第一期\n开始时间:2024年9月20日 20:00\n参与方式:线上答题\n状态:即将开始\n"));
        site.Wechat.AddTemplate(ConsoleSite.OaAppId, new SimTemplate("Ac7aT1mPlAtE0kepuBrowserActivityStart000001", "活动开始提醒",
            "活动名称:{{thing1.DATA}}\n开始时间:{{time2.DATA}}\n活动地点:{{thing3.DATA}}\n"));
        site.Wechat.AddTemplate(ConsoleSite.MpAppId, new SimTemplate("Mp7aT1mPlAtE0kepuBrowserSignupResult000001", "报名结果通知",
            "活动名称:{{thing1.DATA}}\n报名状态:{{phrase2.DATA}}\n", Type: 2));
        var page = await SignInAsync();

        // The library: synced on the first visit; a template's form checks each field by WeChat's rule, then previews.
        await page.GotoAsync("/console/#/templates");
        await Assertions.Expect(page.Locator("#templates")).ToContainTextAsync("答题开始提醒");
        await Assertions.Expect(page.Locator("#templates")).ToContainTextAsync("报名结果通知");
        await page.Locator("#templates a", new() { HasText = "答题开始提醒" }).ClickAsync();
        var form = page.Locator("#template-form");
        await form.Locator("[name=thing1]").FillAsync("全市居民健康素养线上知识问答活动第一期答题");
        await form.Locator("[name=time2]").FillAsync("明天晚上");
        await form.Locator("[name=thing3]").FillAsync("线上答题");
        await form.Locator("[name=phrase4]").FillAsync("OK");
        await form.Locator("button[type=submit]").ClickAsync();
        // A thing field takes no more than its 20 characters; the others are checked by WeChat's rule, in Chinese.
        await Assertions.Expect(form.Locator("[name=thing1]")).ToHaveValueAsync("全市居民健康素养线上知识问答活动第一期答");
        await Assertions.Expect(form.Locator("[data-error=time2]")).ToContainTextAsync("15:01");
        await Assertions.Expect(form.Locator("[data-error=phrase4]")).ToContainTextAsync("5 个以内汉字");
        await form.Locator("[name=thing1]").FillAsync("健康知识问答·第一期");
        await form.Locator("[name=time2]").FillAsync("2024年9月20日 20:00");
        await form.Locator("[name=phrase4]").FillAsync("即将开始");
        await form.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#template-preview")).ToContainTextAsync("参与方式：线上答题");
        await Assertions.Expect(form.Locator("[data-error=time2]")).ToBeEmptyAsync();
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await ConsoleSite.ScreenshotAsync(page, "templates-1-library");

        // The seeded topic has no template yet: the page says why it cannot be offered.
        await page.GotoAsync("/console/#/topics");
        var card = page.Locator($"[data-topic='{Topic}']");
        await Assertions.Expect(card.Locator(".blocker")).ToContainTextAsync("未选择模板");
        await card.Locator("a", new() { HasText = "编辑" }).ClickAsync();
        var editor = page.Locator("#topic-form");
        await editor.Locator("#topic-template").SelectOptionAsync(new SelectOptionValue { Label = "答题开始提醒" });
        await editor.Locator("[name='source:thing1']").SelectOptionAsync(new SelectOptionValue { Label = "主题与轮次名称" });
        await editor.Locator("[name='source:time2']").SelectOptionAsync(new SelectOptionValue { Label = "轮次开始时间" });
        await editor.Locator("[name='source:thing3']").SelectOptionAsync(new SelectOptionValue { Label = "固定文字" });
        await editor.Locator("[name='text:thing3']").FillAsync("线上答题");
        await editor.Locator("[name='source:phrase4']").SelectOptionAsync(new SelectOptionValue { Label = "提示（主题说明或退订方法）" });
        await editor.Locator("[name=offsetMinutes]").SelectOptionAsync(new SelectOptionValue { Label = "开始前 1 小时" });
        await editor.Locator("#topic-preview-button").ClickAsync();
        await Assertions.Expect(page.Locator("#topic-preview")).ToContainTextAsync($"答题活动：{Topic}·第一期");
        await Assertions.Expect(page.Locator("#topic-preview")).ToContainTextAsync("参与方式：线上答题");
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await ConsoleSite.ScreenshotAsync(page, "topics-1-editor");
        await editor.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(card.Locator(".template-title")).ToHaveTextAsync("模板：答题开始提醒");
        await Assertions.Expect(card.Locator(".blocker")).ToHaveCountAsync(0);

        // A round starting within the hour, and a follower who subscribes in the chat.
        var start = DateTimeOffset.UtcNow.AddMinutes(40);
        await card.Locator(".round-form [name=title]").FillAsync("第一期");
        await card.Locator(".round-form [name=startsAt]").FillAsync(LocalInput(start));
        await card.Locator(".round-form button[type=submit]").ClickAsync();
        await Assertions.Expect(card.Locator("table")).ToContainTextAsync("第一期");
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await ConsoleSite.ScreenshotAsync(page, "topics-2-saved");
        const string fan = "o-browser-quiz-follower-00001";
        site.Wechat.AddFollower(ConsoleSite.OaAppId, fan);
        Assert.StartsWith($"已订阅「{Topic}」", await SendAsync(fan, $"订阅 {Topic}"));

        await site.Services.GetRequiredService<DeliveryJobs>().TickAsync(CancellationToken.None);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(20);
        while (site.Wechat.DisplayedTo(fan).Count == 0 && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var shown = Assert.Single(site.Wechat.DisplayedTo(fan));
        Assert.Equal(QuizTemplate, shown.TemplateId);
        var fields = shown.Displayed.ToDictionary(f => f.Key, f => f.Value);
        Assert.Equal($"{Topic}·第一期", fields["thing1"]);
        Assert.Equal(Shanghai.ToShanghai(start).ToString("yyyy年M月d日 HH:mm", CultureInfo.InvariantCulture), fields["time2"]);
        Assert.Equal("线上答题", fields["thing3"]);
        Assert.Equal("即将开始", fields["phrase4"]);
    }

    [Fact]
    public async Task An_admin_edits_a_keyword_rule_and_then_disables_it_and_the_follower_sees_each_change()
    {
        const string follower = "o-browser-rule-follower-00001";
        var page = await SignInAsync();
        await page.GotoAsync("/console/#/replies");
        var rule = page.Locator("#reply-rule");
        await rule.Locator("[name=keyword]").FillAsync("答题入口");
        await rule.Locator("[name=replyText]").FillAsync("答题入口在菜单“健康知识问答”里。");
        await rule.Locator("button[type=submit]").ClickAsync();
        var row = page.Locator("[data-rule='答题入口']");
        await Assertions.Expect(row).ToContainTextAsync("在菜单");

        // A command word is refused, in Chinese, and nothing is saved.
        await rule.Locator("[name=keyword]").FillAsync("帮助");
        await rule.Locator("[name=replyText]").FillAsync("x");
        await rule.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#toast")).ToContainTextAsync("内置指令");

        await row.Locator("a", new() { HasText = "编辑" }).ClickAsync();
        await Assertions.Expect(page.Locator("#reply-rule h2")).ToContainTextAsync("编辑规则：答题入口");
        await rule.Locator("[name=replyText]").FillAsync("第二期答题入口：点击菜单“健康知识问答”，每期开放三天。");
        await rule.Locator("[name=activeUntil]").FillAsync(LocalInput(DateTimeOffset.UtcNow.AddDays(30)));
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await ConsoleSite.ScreenshotAsync(page, "replies-1-editor");
        await rule.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("每期开放三天");
        await Assertions.Expect(row).ToContainTextAsync("即日 至");
        Assert.Equal("第二期答题入口：点击菜单“健康知识问答”，每期开放三天。", await SendAsync(follower, "答题入口"));

        await row.Locator("button", new() { HasText = "停用" }).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("停用");
        await Assertions.Expect(row.Locator("button", new() { HasText = "启用" })).ToHaveCountAsync(1);
        Assert.Equal(WechatKepu.Server.Features.Callback.CallbackDispatcher.DefaultReply, await SendAsync(follower, "答题入口"));
    }

    [Fact]
    public async Task An_admin_makes_a_keyword_answer_with_an_uploaded_image_and_another_with_a_news_card()
    {
        const string follower = "oBrowserRichRule000000000001";
        var page = await SignInAsync();
        await page.GotoAsync("/console/#/replies");
        var rule = page.Locator("#reply-rule");
        await rule.Locator("[name=keyword]").FillAsync("活动海报");
        await rule.Locator("#reply-kind").SelectOptionAsync("image");
        await Assertions.Expect(rule.Locator("[name=replyText]")).ToBeHiddenAsync();
        await rule.Locator("#reply-image-upload").SetInputFilesAsync(new FilePayload { Name = "海报.png", MimeType = "image/png", Buffer = ArticleBrowserTests.Png });
        await Assertions.Expect(rule.Locator("#reply-image")).Not.ToHaveValueAsync("");
        await rule.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-rule='活动海报'] img")).ToBeVisibleAsync();
        var image = await ReplyAsync(follower, "活动海报");
        Assert.Equal("image", image.MsgType);
        Assert.False(string.IsNullOrEmpty(System.Xml.Linq.XElement.Parse(image.Xml!).Element("Image")?.Element("MediaId")?.Value));

        await rule.Locator("[name=keyword]").FillAsync("科普日介绍");
        await rule.Locator("#reply-kind").SelectOptionAsync("news");
        await rule.Locator("[name=newsTitle]").FillAsync("全国科普日柳州主场活动");
        await rule.Locator("[name=newsDescription]").FillAsync("9月14日 柳州科技馆");
        await rule.Locator("[name=newsUrl]").FillAsync("https://kepu.example/day");
        await ConsoleSite.ScreenshotAsync(page, "replies-2-news-editor");
        await rule.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-rule='科普日介绍']")).ToContainTextAsync("图文：全国科普日柳州主场活动");
        await ConsoleSite.ScreenshotAsync(page, "replies-3-image-and-news");
        var card = await ReplyAsync(follower, "科普日介绍");
        Assert.Equal("news", card.MsgType);
        Assert.Equal("https://kepu.example/day", System.Xml.Linq.XElement.Parse(card.Xml!).Element("Articles")!.Element("item")!.Element("Url")!.Value);
    }
}
