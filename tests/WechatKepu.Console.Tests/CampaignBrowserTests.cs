using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Playwright;
using Npgsql;
using WechatKepu.Data;

namespace WechatKepu.Console.Tests;

/// <summary>Finding activities (filters, month calendar), the event day (今日场次) and the charts (统计图表), in headless Chromium.</summary>
public sealed class CampaignBrowserTests(ConsoleSite site) : IClassFixture<ConsoleSite>
{
    private async Task<IPage> SignInAsync(string user, string password)
    {
        var page = await site.NewPageAsync();
        await page.GotoAsync("/console/");
        await page.FillAsync("input[name=username]", user);
        await page.FillAsync("input[name=password]", password);
        await page.ClickAsync("#login-form button[type=submit]");
        await page.Locator("#upcoming").WaitForAsync();
        return page;
    }

    private async Task<long> InsertSessionAsync(string activityCode, string title, DateTimeOffset startsAt, int capacity = 10)
    {
        await using var conn = new NpgsqlConnection(site.ConnectionString);
        return await conn.ExecuteScalarAsync<long>("""
            INSERT INTO sessions (activity_id, title, starts_at, ends_at, venue, capacity, waitlist_capacity, signup_opens_at, signup_closes_at, cancel_deadline)
            SELECT id, @title, @startsAt, @startsAt + interval '2 hours', '柳州科技馆一楼', @capacity, 0, @startsAt - interval '20 days', @startsAt - interval '1 hour', @startsAt - interval '1 day'
            FROM activities WHERE code = @activityCode RETURNING id
            """, new { activityCode, title, startsAt = startsAt.UtcDateTime, capacity });
    }

    [Fact]
    public async Task An_organiser_finds_an_activity_by_filter_and_sees_the_months_sessions_in_a_calendar()
    {
        var page = await SignInAsync(ConsoleSite.OrganiserUser, ConsoleSite.OrganiserPassword);
        await page.GotoAsync("/console/#/activities");
        var sections = page.Locator("section.activity");
        await sections.First.WaitForAsync();
        // The organiser's own unit's activities come first, marked 本单位.
        await Assertions.Expect(sections.First.Locator(".mine-mark")).ToHaveTextAsync("本单位");

        var filter = page.Locator("#activity-filter");
        await filter.Locator("[name=district]").SelectOptionAsync("鹿寨县");
        await filter.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(sections).ToHaveCountAsync(1);
        await Assertions.Expect(sections.First).ToHaveAttributeAsync("data-code", "5.3.11");

        // Only the address's hash changes: wait for the unfiltered list before using its form.
        await page.GotoAsync("/console/#/activities");
        await Assertions.Expect(filter.Locator("[name=district]")).ToHaveValueAsync("");
        await filter.Locator("[name=category]").SelectOptionAsync("系列联合行动");
        await filter.Locator("[name=q]").FillAsync("巾帼");
        await filter.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(sections).ToHaveCountAsync(1);
        await Assertions.Expect(sections.First).ToHaveAttributeAsync("data-code", "5.4.8");
        await ConsoleSite.ScreenshotAsync(page, "campaign-1-activity-filter");

        // The month calendar: a session of the organiser's unit, on its Shanghai day.
        var startsAt = new DateTimeOffset(Shanghai.ToShanghai(DateTimeOffset.UtcNow.AddDays(3)).Date.AddHours(9.5), TimeSpan.FromHours(8));
        var session = await InsertSessionAsync("5.1.7", "日历测试·流动科技馆", startsAt);
        await page.GotoAsync($"/console/#/activities?view=calendar&unit={Uri.EscapeDataString(ConsoleSite.OrganiserUnit)}&month={startsAt:yyyy-MM}");
        var day = page.Locator($"#calendar .day[data-date='{startsAt:yyyy-MM-dd}']");
        await Assertions.Expect(day.Locator(".cal-session.mine")).ToContainTextAsync("09:30");
        await ConsoleSite.ScreenshotAsync(page, "campaign-2-calendar");
        await day.Locator($"a[href='#/session/{session}']").ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("日历测试·流动科技馆");
    }

    private async Task<string> SignUpAsync(string openId, string child, long sessionId)
    {
        var (parent, childId) = await site.ParentAsync(openId, child);
        (await parent.PostAsJsonAsync($"/api/mp/sessions/{sessionId}/signups", new { childIds = new[] { childId } })).EnsureSuccessStatusCode();
        return (await parent.GetFromJsonAsync<JsonElement>("/api/mp/signups"))[0].GetProperty("checkinCode").GetString()!;
    }

    [Fact]
    public async Task The_event_day_page_checks_in_one_child_by_code_and_one_by_hand_and_warns_on_another_days_code()
    {
        var now = DateTimeOffset.UtcNow;
        var today = await InsertSessionAsync("5.1.7", "今日场次·流动科技馆", now.AddDays(3));
        var later = await InsertSessionAsync("5.1.7", "下周场次·流动科技馆", now.AddDays(5));
        var byCode = await SignUpAsync("o-eventday-parent-000000001", "黄小扫", today);
        await SignUpAsync("o-eventday-parent-000000002", "覃小手", today);
        var otherDay = await SignUpAsync("o-eventday-parent-000000003", "蓝小明", later);
        // The session runs now (it began an hour ago), whatever the time of day.
        await using (var conn = new NpgsqlConnection(site.ConnectionString))
        {
            await conn.ExecuteAsync("UPDATE sessions SET starts_at = @from, ends_at = @to WHERE id = @today",
                new { today, from = now.AddHours(-1).UtcDateTime, to = now.AddHours(1).UtcDateTime });
        }

        var page = await SignInAsync(ConsoleSite.OrganiserUser, ConsoleSite.OrganiserPassword);
        await page.ClickAsync("#nav a[href='#/today']");
        var card = page.Locator($"section.eventday-session[data-session='{today}']");
        await Assertions.Expect(card.Locator(".eventday-signups tr[data-signup]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator($"section.eventday-session[data-session='{later}']")).ToHaveCountAsync(0);
        await Assertions.Expect(card.Locator(".checked-in")).ToHaveTextAsync("0");

        // By the code on the parent's phone (typed, as a scanner would).
        await page.FillAsync("#checkin-code", byCode);
        await page.PressAsync("#checkin-code", "Enter");
        await Assertions.Expect(page.Locator("#checkin-result")).ToContainTextAsync("黄小扫 签到成功");
        await Assertions.Expect(card.Locator(".checked-in")).ToHaveTextAsync("1");

        // By hand: the child came without the phone.
        await card.Locator("tr", new() { HasText = "覃小手" }).Locator("button.manual-checkin").ClickAsync();
        await Assertions.Expect(page.Locator("#checkin-result")).ToContainTextAsync("覃小手 签到成功");
        await Assertions.Expect(card.Locator(".checked-in")).ToHaveTextAsync("2");
        await Assertions.Expect(card.Locator("tr", new() { HasText = "覃小手" })).ToHaveAttributeAsync("data-status", "checked_in");

        // Another day's code: a warning, and nothing changes unless confirmed.
        await page.FillAsync("#checkin-code", otherDay);
        await page.PressAsync("#checkin-code", "Enter");
        await Assertions.Expect(page.Locator("#checkin-result .result")).ToHaveAttributeAsync("data-outcome", "not_today");
        await Assertions.Expect(page.Locator("#checkin-result")).ToContainTextAsync("不是今天");
        await Assertions.Expect(page.Locator("#checkin-confirm")).ToBeVisibleAsync();
        await ConsoleSite.ScreenshotAsync(page, "console-event-day");
        await using (var conn = new NpgsqlConnection(site.ConnectionString))
        {
            Assert.Equal("confirmed", await conn.ExecuteScalarAsync<string>("SELECT status FROM signups WHERE session_id = @later", new { later }));
            Assert.Equal(2L, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM signups WHERE session_id = @today AND status = 'checked_in'", new { today }));
        }
    }

    [Fact]
    public async Task The_charts_render_with_data_from_the_apps_own_copy_of_the_library()
    {
        var now = DateTimeOffset.UtcNow;
        var session = await InsertSessionAsync("5.1.9", "图表测试·科普小达人", now.AddDays(2), capacity: 4);
        await SignUpAsync("o-charts-parent-0000000000001", "韦小图", session);
        await SignUpAsync("o-charts-parent-0000000000002", "莫小表", session);
        await using (var conn = new NpgsqlConnection(site.ConnectionString))
        {
            // Yesterday's session: one of its two children came.
            await conn.ExecuteAsync("UPDATE sessions SET starts_at = @from, ends_at = @to WHERE id = @session",
                new { session, from = now.AddDays(-1).UtcDateTime, to = now.AddDays(-1).AddHours(2).UtcDateTime });
            await conn.ExecuteAsync("UPDATE signups SET status = 'checked_in', checked_in_at = @at WHERE id = (SELECT min(id) FROM signups WHERE session_id = @session)",
                new { session, at = now.AddDays(-1).UtcDateTime });
            var campaign = await conn.ExecuteScalarAsync<long>("""
                INSERT INTO delivery_campaigns (kind, source, title, send_after, session_id, created_at, status)
                VALUES ('session_reminder', 'charts-browser', '图表提醒', @at, @session, @at, 'completed') RETURNING id
                """, new { session, at = now.AddDays(-2).UtcDateTime });
            await conn.ExecuteAsync("""
                INSERT INTO deliveries (campaign_id, recipient, channel, status, next_attempt_at, errcode, receipt_status) VALUES
                    (@campaign, 'u:1', 'mp_subscribe', 'sent', @at, NULL, 'success'), (@campaign, 'u:2', 'mp_subscribe', 'failed', @at, 43101, NULL)
                """, new { campaign, at = now.AddDays(-2).UtcDateTime });
            var follower = await conn.ExecuteScalarAsync<long>("""
                INSERT INTO followers (app_id, openid, subscribed, subscribed_at) VALUES (@app, 'oChartsBrowserFollower000001', true, @at) RETURNING id
                """, new { app = ConsoleSite.OaAppId, at = now.AddDays(-3).UtcDateTime });
            await conn.ExecuteAsync("""
                INSERT INTO follower_events (follower_id, kind, qr_scene, at) VALUES (@follower, 'subscribe', 'p1', @a), (@follower, 'subscribe', 'p1', @b);
                INSERT INTO poster_codes (id, app_id, kind, activity_id, scene, created_at)
                SELECT nextval('poster_codes_id_seq'), @app, 'qr_permanent', id, 'charts-browser', @a FROM activities WHERE code = '5.1.9';
                INSERT INTO poster_scans (code_id, openid, new_follower, at) VALUES (currval('poster_codes_id_seq'), 'oChartsBrowserFollower000001', true, @a);
                """, new { follower, app = ConsoleSite.OaAppId, a = now.AddDays(-3).UtcDateTime, b = now.AddDays(-1).UtcDateTime });
        }

        var page = await SignInAsync(ConsoleSite.AdminUser, ConsoleSite.AdminPassword);
        await page.ClickAsync("#nav a[href='#/charts']");
        foreach (var chart in new[] { "chart-signups", "chart-followers", "chart-reminders", "chart-reasons", "chart-activities", "chart-posters" })
        {
            // Drawn by ECharts (SVG): the chart's own paths, and the count of points it was given.
            await Assertions.Expect(page.Locator($"#{chart} svg")).ToBeVisibleAsync();
            Assert.True(await page.Locator($"#{chart} svg path:not([fill='none'])").CountAsync() > 0, $"{chart} has no filled shapes");
            var points = int.Parse((await page.Locator($"#{chart}").GetAttributeAsync("data-points"))!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(points > 0, $"{chart} drew no data");
        }

        await Assertions.Expect(page.Locator("#chart-activities")).ToContainTextAsync("5.1.9");
        await Assertions.Expect(page.Locator("#chart-reasons")).ToContainTextAsync("43101");
        await ConsoleSite.ScreenshotAsync(page, "console-charts");
    }
}
