using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WechatKepu.Data;
using WechatKepu.Server.Features.Delivery;

// Each class starts its own server and Chromium: run them one after the other, not competing for the CPUs
// (the broadcast test waits for Hangfire's worker within a time limit).
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace WechatKepu.Console.Tests;

/// <summary>
/// Issue 19's walk-through: a staff member creates a session, moves it and cancels it with a reason, and the
/// parents' notices (the simulator's record of what their phones show) carry the new time and the reason.
/// </summary>
public sealed class SessionNoticeBrowserTests(ConsoleSite site) : IClassFixture<ConsoleSite>
{
    private const string ParentOpenId = "o-browser-notice-parent-0001";

    private static string LocalInput(DateTimeOffset t) => Shanghai.ToShanghai(t).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    private static string Shown(DateTimeOffset t) => Shanghai.ToShanghai(t).ToString("yyyy年M月d日 HH:mm", CultureInfo.InvariantCulture);

    /// <summary>One run of the delivery tick (plan what is due, send it), then wait until the parent's phone has <paramref name="count"/> messages.</summary>
    private async Task DeliverAsync(int count)
    {
        await site.Services.GetRequiredService<DeliveryJobs>().TickAsync(CancellationToken.None);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(20);
        while (site.Wechat.DisplayedTo(ParentOpenId).Count < count && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Equal(count, site.Wechat.DisplayedTo(ParentOpenId).Count);
    }

    [Fact]
    public async Task Staff_create_move_and_cancel_a_session_and_the_parents_notices_carry_the_new_time_and_the_reason()
    {
        var page = await site.NewPageAsync();
        await page.GotoAsync("/console/");
        await page.FillAsync("input[name=username]", ConsoleSite.AdminUser);
        await page.FillAsync("input[name=password]", ConsoleSite.AdminPassword);
        await page.ClickAsync("#login-form button[type=submit]");
        await page.Locator("#upcoming").WaitForAsync();

        // Create: on the plan's 5.1.10, whose 23-character title notices replace by its short name.
        await page.GotoAsync("/console/#/activities");
        var activity = page.Locator("[data-code='5.1.10']");
        await Assertions.Expect(activity.Locator(".short-name")).ToHaveTextAsync("通知简称：科技馆节假日主题活动");
        await activity.GetByText("新建场次").ClickAsync();
        var day = DateOnly.FromDateTime(Shanghai.ToShanghai(DateTimeOffset.UtcNow).DateTime).AddDays(10);
        var starts = Shanghai.At(day, new TimeOnly(10, 0));
        var form = page.Locator("#session-form");
        await form.Locator("[name=title]").FillAsync("中秋节科学灯会");
        await form.Locator("[name=venue]").FillAsync("柳州科技馆一楼科普剧场");
        await form.Locator("[name=startsAt]").FillAsync(LocalInput(starts));
        await form.Locator("[name=endsAt]").FillAsync(LocalInput(starts.AddHours(2)));
        await form.Locator("[name=capacity]").FillAsync("30");
        await form.Locator("[name=signupOpensAt]").FillAsync(LocalInput(DateTimeOffset.UtcNow.AddDays(-1)));
        await form.Locator("[name=signupClosesAt]").FillAsync(LocalInput(starts.AddHours(-2)));
        await form.Locator("[name=cancelDeadline]").FillAsync(LocalInput(starts.AddDays(-1)));
        await form.Locator("button[type=submit]").ClickAsync();
        await page.WaitForURLAsync("**/console/#/session/*");
        var sessionId = long.Parse(page.Url[(page.Url.LastIndexOf('/') + 1)..], CultureInfo.InvariantCulture);

        // A parent signs up in the mini-program and accepts the change and cancellation notices.
        var (parent, childId) = await site.ParentAsync(ParentOpenId, "黄小雨");
        (await parent.PostAsJsonAsync($"/api/mp/sessions/{sessionId}/signups", new { childIds = new[] { childId } })).EnsureSuccessStatusCode();
        var accepted = new Dictionary<string, string> { [ConsoleSite.ChangedTemplate] = "accept", [ConsoleSite.CancelledTemplate] = "accept" };
        (await parent.PostAsJsonAsync("/api/mp/subscriptions", new { results = accepted })).EnsureSuccessStatusCode();
        site.Wechat.GrantSubscribe(ConsoleSite.MpAppId, ParentOpenId, ConsoleSite.ChangedTemplate);
        site.Wechat.GrantSubscribe(ConsoleSite.MpAppId, ParentOpenId, ConsoleSite.CancelledTemplate);

        // Move: a day later, 14:30; the deadlines are left as the form shows them and move along.
        await page.GetByRole(AriaRole.Button, new() { Name = "刷新" }).ClickAsync();
        await Assertions.Expect(page.Locator("#signups")).ToContainTextAsync("黄小雨");
        await page.ClickAsync("#edit");
        var moved = starts.AddDays(1).AddHours(4).AddMinutes(30);
        var edit = page.Locator("#session-form");
        await edit.Locator("[name=startsAt]").FillAsync(LocalInput(moved));
        await edit.Locator("[name=endsAt]").FillAsync(LocalInput(moved.AddHours(2)));
        await ConsoleSite.ScreenshotAsync(page, "20-session-move");
        await edit.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("main .card").First).ToContainTextAsync(Shanghai.ToShanghai(moved).ToString("MM/dd HH:mm", CultureInfo.InvariantCulture));
        await DeliverAsync(1);

        // Cancel, with the reason the console asks for.
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync("场馆临时检修，活动取消");
        await page.ClickAsync("#cancel-session");
        await Assertions.Expect(page.Locator("#toast")).ToContainTextAsync("场次已取消");
        await DeliverAsync(2);

        await page.GetByRole(AriaRole.Button, new() { Name = "刷新" }).ClickAsync();
        var notices = page.Locator("#notices");
        await Assertions.Expect(notices).ToContainTextAsync(Shown(moved));
        await Assertions.Expect(notices).ToContainTextAsync("场馆临时检修，活动取消");
        await ConsoleSite.ScreenshotAsync(page, "21-session-notices");

        var (change, cancel) = (site.Wechat.DisplayedTo(ParentOpenId)[0], site.Wechat.DisplayedTo(ParentOpenId)[1]);
        foreach (var notice in new[] { change, cancel })
        {
            Assert.Equal("subscribe", notice.Kind);
            Assert.Contains("科技馆节假日主题活动", notice.Text);
            Assert.Contains(Shown(moved), notice.Text);
            Assert.Contains("柳州科技馆一楼科普剧场", notice.Text);
            Assert.Equal("pages/signups/signups", notice.Link);
        }

        Assert.Equal(ConsoleSite.ChangedTemplate, change.TemplateId);
        Assert.Contains("原定" + Shanghai.ToShanghai(starts).ToString("M月d日 HH:mm", CultureInfo.InvariantCulture), change.Text);
        Assert.Equal(ConsoleSite.CancelledTemplate, cancel.TemplateId);
        Assert.Contains("场馆临时检修，活动取消", cancel.Text);

        // The topics page says why the seeded topic cannot send, and which template fields carry what.
        await page.GotoAsync("/console/#/topics");
        await Assertions.Expect(page.Locator("[data-topic='健康知识问答'] .blocker")).ToContainTextAsync("未选择模板");
        await Assertions.Expect(page.Locator("#notice-templates tr[data-purpose='session_changed'][data-channel='mp_subscribe']"))
            .ToContainTextAsync(ConsoleSite.ChangedTemplate);
        await ConsoleSite.ScreenshotAsync(page, "22-topics-and-notice-fields");
    }
}
