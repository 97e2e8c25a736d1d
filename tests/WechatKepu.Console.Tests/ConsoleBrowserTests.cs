using System.Net.Http.Json;
using System.Text.Json;
using ClosedXML.Excel;
using Microsoft.Playwright;
using WechatKepu.Data;

namespace WechatKepu.Console.Tests;

/// <summary>The console in headless Chromium against the real server, database and WeChat simulator.</summary>
public sealed class ConsoleBrowserTests(ConsoleSite site) : IClassFixture<ConsoleSite>
{
    private static string LocalInput(DateTimeOffset t) => Shanghai.ToShanghai(t).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Signs in as the organiser of 柳州科技馆 (not an admin).</summary>
    private async Task<IPage> SignInAsOrganiserAsync()
    {
        var page = await site.NewPageAsync();
        await page.GotoAsync("/console/");
        await page.FillAsync("input[name=username]", ConsoleSite.OrganiserUser);
        await page.FillAsync("input[name=password]", ConsoleSite.OrganiserPassword);
        await page.ClickAsync("#login-form button[type=submit]");
        await page.Locator("#upcoming").WaitForAsync();
        return page;
    }

    private async Task<IPage> SignInAsync(int width = 1280, int height = 900, bool screenshot = false)
    {
        var page = await site.NewPageAsync(width, height);
        await page.GotoAsync("/console/");
        await page.Locator("#login-form").WaitForAsync();
        await page.FillAsync("input[name=username]", ConsoleSite.AdminUser);
        await page.FillAsync("input[name=password]", "wrong password");
        await page.ClickAsync("#login-form button[type=submit]");
        await Assertions.Expect(page.Locator("#login-error")).ToContainTextAsync("用户名或密码错误");
        if (screenshot)
        {
            await ConsoleSite.ScreenshotAsync(page, "01-sign-in");
        }

        await page.FillAsync("input[name=password]", ConsoleSite.AdminPassword);
        await page.ClickAsync("#login-form button[type=submit]");
        await page.Locator("#upcoming").WaitForAsync();
        return page;
    }

    [Fact]
    public async Task Sign_in_create_a_session_see_a_mini_program_signup_check_in_and_export_it()
    {
        var page = await SignInAsync(screenshot: true);
        await Assertions.Expect(page.Locator("#whoami")).ToContainTextAsync("王管理");
        await ConsoleSite.ScreenshotAsync(page, "02-dashboard");

        // Create a session on activity 5.1.2 through the form.
        await page.GotoAsync("/console/#/activities");
        var activity = page.Locator("[data-code='5.1.2']");
        await activity.WaitForAsync();
        await ConsoleSite.ScreenshotAsync(page, "03-activities");
        await activity.GetByText("新建场次").ClickAsync();
        var starts = DateTimeOffset.UtcNow.AddDays(10);
        var form = page.Locator("#session-form");
        await form.Locator("[name=title]").FillAsync("浏览器测试·机器人体验");
        await form.Locator("[name=venue]").FillAsync("柳州科技馆三楼");
        await form.Locator("[name=startsAt]").FillAsync(LocalInput(starts));
        await form.Locator("[name=endsAt]").FillAsync(LocalInput(starts.AddHours(2)));
        await form.Locator("[name=capacity]").FillAsync("20");
        await form.Locator("[name=signupOpensAt]").FillAsync(LocalInput(DateTimeOffset.UtcNow.AddDays(-1)));
        await form.Locator("[name=signupClosesAt]").FillAsync(LocalInput(starts.AddHours(-2)));
        await form.Locator("[name=cancelDeadline]").FillAsync(LocalInput(starts.AddDays(-1)));
        await form.Locator("[name=minGrade]").SelectOptionAsync("1");
        await form.Locator("[name=maxGrade]").SelectOptionAsync("6");
        await form.Locator("button[type=submit]").ClickAsync();
        await page.WaitForURLAsync("**/console/#/session/*");
        var sessionId = long.Parse(page.Url[(page.Url.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("浏览器测试·机器人体验");

        // A parent signs up through the mini-program API; the staff page shows it after a refresh.
        var (parent, childId) = await site.ParentAsync("o-browser-parent-1", "陈小明");
        (await parent.PostAsJsonAsync($"/api/mp/sessions/{sessionId}/signups", new { childIds = new[] { childId } })).EnsureSuccessStatusCode();
        await page.GetByRole(AriaRole.Button, new() { Name = "刷新" }).ClickAsync();
        await Assertions.Expect(page.Locator("#signups")).ToContainTextAsync("陈小明");
        await Assertions.Expect(page.Locator("#signups")).ToContainTextAsync("已确认");
        await ConsoleSite.ScreenshotAsync(page, "04-session-signups");

        // Check the child in by typing the code from the parent's phone; a second scan says when.
        var signups = await parent.GetFromJsonAsync<JsonElement>("/api/mp/signups");
        var code = signups[0].GetProperty("checkinCode").GetString()!;
        await page.GotoAsync("/console/#/checkin");
        await page.FillAsync("#checkin-code", code);
        await page.PressAsync("#checkin-code", "Enter");
        // The session is in ten days: the page warns and asks before checking in (issue 19.8).
        await Assertions.Expect(page.Locator("#checkin-result")).ToContainTextAsync("不是今天");
        await ConsoleSite.ScreenshotAsync(page, "05a-checkin-not-today");
        Assert.Equal("confirmed", (await parent.GetFromJsonAsync<JsonElement>("/api/mp/signups"))[0].GetProperty("status").GetString());
        await page.ClickAsync("#checkin-confirm");
        await Assertions.Expect(page.Locator("#checkin-result")).ToContainTextAsync("陈小明 签到成功");
        await ConsoleSite.ScreenshotAsync(page, "05-checkin");
        await page.FillAsync("#checkin-code", code);
        await page.PressAsync("#checkin-code", "Enter");
        await Assertions.Expect(page.Locator("#checkin-result")).ToContainTextAsync("已于");
        await ConsoleSite.ScreenshotAsync(page, "06-checkin-second-scan");

        // Download the session's export and open it as a workbook.
        await page.GotoAsync($"/console/#/session/{sessionId}");
        await Assertions.Expect(page.Locator("#signups")).ToContainTextAsync("已签到");
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export"));
        Assert.EndsWith(".xlsx", download.SuggestedFilename);
        var path = Path.Combine(ConsoleSite.ScreenshotDir, "export-session.xlsx");
        await download.SaveAsAsync(path);
        using var book = new XLWorkbook(path);
        var sheet = book.Worksheet(1);
        Assert.Equal(2, sheet.LastRowUsed().RowNumber());
        Assert.Equal("陈小明", sheet.Cell(2, 4).GetString());
        Assert.Equal("13912345678", sheet.Cell(2, 10).GetString()); // an admin sees full numbers
        Assert.Equal("已签到", sheet.Cell(2, 11).GetString());
        Assert.Equal(Shanghai.ToShanghai(starts).DateTime, sheet.Cell(2, 3).GetDateTime(), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Compose_preview_schedule_and_watch_a_broadcast_complete()
    {
        var page = await SignInAsync();
        await page.GotoAsync("/console/#/broadcasts");
        var form = page.Locator("#broadcast-form");
        await form.WaitForAsync();
        await form.Locator("[name=title]").FillAsync("科普日开幕通知");
        await form.Locator("[name=text]").FillAsync("9月14日全国科普日柳州主场活动开幕，欢迎报名！");
        await form.Locator("[name=page]").SelectOptionAsync(new SelectOptionValue { Label = "活动列表（首页）" });
        await form.Locator("#bc-audience").SelectOptionAsync("all");
        await ConsoleSite.ScreenshotAsync(page, "07-broadcast-compose");
        await form.Locator("button[type=submit]").ClickAsync();
        await page.WaitForURLAsync("**/console/#/broadcast/*");
        await Assertions.Expect(page.Locator("#bc-status")).ToContainTextAsync("草稿");

        await page.ClickAsync("#bc-preview");
        await Assertions.Expect(page.Locator("#toast")).ToContainTextAsync("成功");
        Assert.Contains(site.Wechat.CallsTo("/cgi-bin/message/mass/preview"), c => c.OpenId == ConsoleSite.AdminOpenId && c.Errcode == 0);

        await page.FillAsync("#bc-at", LocalInput(DateTimeOffset.UtcNow));
        await page.ClickAsync("#bc-schedule");
        // Hangfire's worker sends it; the page refreshes itself until WeChat's job-finish counts arrive.
        await Assertions.Expect(page.Locator("#bc-status")).ToContainTextAsync("已完成", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("成功 3");
        await ConsoleSite.ScreenshotAsync(page, "08-broadcast-completed");
        var sendall = Assert.Single(site.Wechat.CallsTo("/cgi-bin/message/mass/sendall"));
        Assert.Contains("\"is_to_all\":true", sendall.Body);

        await page.GotoAsync("/console/#/broadcasts");
        await Assertions.Expect(page.Locator("#broadcasts")).ToContainTextAsync("已完成");
        await ConsoleSite.ScreenshotAsync(page, "09-broadcasts");
    }

    [Fact]
    public async Task Create_an_activity_and_a_keyword_reply_through_the_forms()
    {
        var page = await SignInAsync();
        await page.GotoAsync("/console/#/activities");
        await page.Locator("#new-activity").ClickAsync();
        var form = page.Locator("#activity-form");
        await form.Locator("[name=title]").FillAsync("浏览器测试·周末科学秀");
        await form.Locator("[name=timeText]").FillAsync("12月");
        await form.Locator("[name=startsOn]").FillAsync("2026-12-05");
        await form.Locator("[name=endsOn]").FillAsync("2026-12-27");
        await form.Locator("[name=venue]").FillAsync("柳州科技馆");
        // Units are picked from the list, one after another.
        await form.Locator("[data-unit-picker=hostUnits]").SelectOptionAsync("柳州市科学技术协会");
        await form.Locator("[data-unit-picker=hostUnits]").SelectOptionAsync("柳州科技馆");
        await ConsoleSite.ScreenshotAsync(page, "17-activity-form");
        await form.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("section.activity", new() { HasText = "浏览器测试·周末科学秀" })).ToBeVisibleAsync();

        await page.GotoAsync("/console/#/replies");
        var rule = page.Locator("#reply-rule");
        await rule.WaitForAsync();
        await rule.Locator("[name=keyword]").FillAsync("问答");
        await rule.Locator("[name=replyText]").FillAsync("健康知识问答每期开始前会提醒您");
        await rule.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#reply-rules")).ToContainTextAsync("健康知识问答每期开始前会提醒您");
        await ConsoleSite.ScreenshotAsync(page, "18-replies");
    }

    [Fact]
    public async Task The_other_pages_render_on_a_laptop_and_a_phone()
    {
        await using (var conn = new Npgsql.NpgsqlConnection(site.ConnectionString))
        {
            await Dapper.SqlMapper.ExecuteAsync(conn, """
                INSERT INTO followers (app_id, openid, subscribed, subscribed_at, tag_ids, qr_scene)
                VALUES ('wxoabrowser000001', 'o-follower-1', true, now(), '{100}', 'kepuri'), ('wxoabrowser000001', 'o-follower-2', true, now(), '{}', null)
                ON CONFLICT DO NOTHING
                """);
            // More remarked followers than a search counts, unsubscribed and of an account no broadcast reaches.
            await Dapper.SqlMapper.ExecuteAsync(conn, """
                INSERT INTO followers (app_id, openid, subscribed, remark)
                SELECT 'wxoabrowsercap01', 'o-remark-' || i, false, '浏览器批量' || i FROM generate_series(1, 10001) i
                ON CONFLICT DO NOTHING
                """);
        }

        var page = await SignInAsync();
        foreach (var (hash, selector, name) in new[]
                 {
                     ("#/followers", "#followers", "10-followers"), ("#/audit", "#audit", "11-audit"), ("#/staff", "#staff-form", "12-staff"),
                     ("#/topics", "h1", "13-topics"), ("#/replies", "h1", "14-replies"),
                 })
        {
            await page.GotoAsync("/console/" + hash);
            await page.Locator(selector).WaitForAsync();
            await ConsoleSite.ScreenshotAsync(page, name);
        }

        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("关键词回复");
        await page.GotoAsync("/console/#/followers?q=" + Uri.EscapeDataString("浏览器批量"));
        await Assertions.Expect(page.Locator("#followers-total")).ToHaveTextAsync("共 10,000+ 人");
        await ConsoleSite.ScreenshotAsync(page, "10-followers-search-capped");
        await page.GotoAsync("/console/#/audit");
        await Assertions.Expect(page.Locator("#audit")).ToContainTextAsync("staff.login");

        var phone = await SignInAsync(390, 844);
        await Assertions.Expect(phone.Locator("body")).ToContainTextAsync("在册报名（含候补、已签到）");
        await ConsoleSite.ScreenshotAsync(phone, "15-phone-dashboard");
        await phone.ClickAsync("#menu-toggle");
        await phone.GetByRole(AriaRole.Link, new() { Name = "签到" }).ClickAsync();
        await phone.Locator("#checkin-code").WaitForAsync();
        await ConsoleSite.ScreenshotAsync(phone, "16-phone-checkin");
    }

    [Fact]
    public async Task An_organisers_send_now_on_an_all_followers_broadcast_says_it_waits_for_an_admin()
    {
        var page = await SignInAsOrganiserAsync();
        await page.GotoAsync("/console/#/broadcasts");
        var form = page.Locator("#broadcast-form");
        await form.Locator("[name=title]").FillAsync("组织者群发");
        await form.Locator("[name=text]").FillAsync("科普日活动报名开始啦");
        await form.Locator("#bc-audience").SelectOptionAsync("all");
        await form.Locator("button[type=submit]").ClickAsync();
        await page.WaitForURLAsync("**/console/#/broadcast/*");
        await page.ClickAsync("#bc-send-now");
        // Issue 19.13: the toast said "立即发送：成功" although nothing was sent.
        await Assertions.Expect(page.Locator("#toast")).ToContainTextAsync("等待管理员确认");
        await Assertions.Expect(page.Locator("#toast")).Not.ToContainTextAsync("成功");
        await Assertions.Expect(page.Locator("#bc-status")).ToContainTextAsync("等待管理员确认");
        await ConsoleSite.ScreenshotAsync(page, "19-broadcast-awaiting-admin");
        Assert.DoesNotContain(site.Wechat.CallsTo("/cgi-bin/message/mass/sendall"), c => c.Body != null && c.Body.Contains("科普日活动报名开始啦"));
    }

    [Fact]
    public async Task A_session_broadcast_that_reaches_nobody_shows_failed_and_who_was_unreachable_and_why()
    {
        // A session with two families: one whose unionid matches no follower, one who follows but is outside the 48-hour window.
        long sessionId;
        await using (var conn = new Npgsql.NpgsqlConnection(site.ConnectionString))
        {
            sessionId = await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn, """
                INSERT INTO sessions (activity_id, title, starts_at, ends_at, venue, capacity, signup_opens_at, signup_closes_at, cancel_deadline)
                SELECT id, '家长通知测试场', now() + interval '5 days', now() + interval '5 days 2 hours', '柳州科技馆', 10,
                       now() - interval '1 day', now() + interval '4 days', now() + interval '4 days'
                FROM activities WHERE code = '5.1.2' RETURNING id
                """);
        }

        var (first, firstChild) = await site.ParentAsync("oAbCdEfGhIjKlMnOpQrStUvW0001", "覃小红");
        var (second, secondChild) = await site.ParentAsync("oAbCdEfGhIjKlMnOpQrStUvW0002", "韦小明");
        (await first.PostAsJsonAsync($"/api/mp/sessions/{sessionId}/signups", new { childIds = new[] { firstChild } })).EnsureSuccessStatusCode();
        (await second.PostAsJsonAsync($"/api/mp/sessions/{sessionId}/signups", new { childIds = new[] { secondChild } })).EnsureSuccessStatusCode();
        const string follower = "oFoLlOwErXyZ0123456789abcd02";
        await using (var conn = new Npgsql.NpgsqlConnection(site.ConnectionString))
        {
            await Dapper.SqlMapper.ExecuteAsync(conn, """
                UPDATE mp_users SET unionid = 'oUnion-' || openid WHERE openid IN ('oAbCdEfGhIjKlMnOpQrStUvW0001', 'oAbCdEfGhIjKlMnOpQrStUvW0002');
                INSERT INTO followers (app_id, openid, unionid, subscribed, subscribed_at)
                VALUES ('wxoabrowser000001', @follower, 'oUnion-oAbCdEfGhIjKlMnOpQrStUvW0002', true, now());
                """, new { follower });
        }

        site.Wechat.AddFollower(ConsoleSite.OaAppId, follower, "oUnion-oAbCdEfGhIjKlMnOpQrStUvW0002");

        var page = await SignInAsync();
        await page.GotoAsync("/console/#/broadcasts");
        var form = page.Locator("#broadcast-form");
        await form.Locator("[name=title]").FillAsync("场次变更通知");
        await form.Locator("[name=text]").FillAsync("本周六的活动改到三楼报告厅");
        // The session is found by its activity's title and day, and chosen by what the list shows.
        await form.Locator("#bc-audience").SelectOptionAsync("session");
        await form.Locator("#bc-session-q").FillAsync("科学");
        await form.Locator("#bc-session-date").FillAsync(Shanghai.ToShanghai(DateTimeOffset.UtcNow.AddDays(5)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await form.Locator("#bc-session-find").ClickAsync();
        var option = form.Locator("#bc-session option", new() { HasText = "家长通知测试场" });
        await Assertions.Expect(option).ToHaveCountAsync(1);
        await form.Locator("#bc-session").SelectOptionAsync((await option.GetAttributeAsync("value"))!);
        await form.Locator("button[type=submit]").ClickAsync();
        await page.WaitForURLAsync("**/console/#/broadcast/*");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("预计无法送达（1）");
        // The confirmation step counts the reachable per channel (one parent: a customer-service message) and the unreachable by reason.
        var forecast = page.Locator("#bc-forecast");
        await Assertions.Expect(forecast).ToContainTextAsync("预计送达 1 人");
        await Assertions.Expect(forecast.Locator("tr", new() { HasText = "客服消息" })).ToContainTextAsync("1");
        await Assertions.Expect(forecast.Locator("tr", new() { HasText = "没有关注公众号" })).ToContainTextAsync("1");
        await ConsoleSite.ScreenshotAsync(page, "broadcasts-forecast");
        await page.ClickAsync("#bc-send-now");
        // Issue 19.9: this showed a green 已完成 with nobody reached.
        await Assertions.Expect(page.Locator("#bc-status")).ToContainTextAsync("失败", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#bc-status")).Not.ToContainTextAsync("已完成");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("没有送达任何人");
        var unreachable = page.Locator("#unreachable");
        await Assertions.Expect(unreachable.Locator("tr", new() { HasText = "覃小红" })).ToContainTextAsync("没有关注公众号");
        await Assertions.Expect(unreachable.Locator("tr", new() { HasText = "韦小明" })).ToContainTextAsync("48 小时");
        await ConsoleSite.ScreenshotAsync(page, "20-broadcast-unreachable");
    }

    [Fact]
    public async Task The_activity_list_shows_a_page_at_a_time_with_a_pager()
    {
        var page = await SignInAsync();
        await page.GotoAsync("/console/#/activities");
        var sections = page.Locator("section.activity");
        var pager = page.Locator("#activity-pager");
        await Assertions.Expect(pager).ToContainTextAsync("第 1 / ");
        await using var conn = new Npgsql.NpgsqlConnection(site.ConnectionString);
        var total = await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn, "SELECT count(*) FROM activities");
        var pages = (total + 19) / 20;
        await Assertions.Expect(pager).ToContainTextAsync($"第 1 / {pages} 页，共 {total} 项");
        await Assertions.Expect(page.Locator("#activity-count")).ToContainTextAsync($"共 {total} 项活动");
        await Assertions.Expect(sections).ToHaveCountAsync(20);
        var first = await sections.First.GetAttributeAsync("data-code");
        await Assertions.Expect(pager.Locator("[data-rel=prev]")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("disabled"));

        await pager.Locator("a[data-rel=next]").ClickAsync();
        await Assertions.Expect(pager).ToContainTextAsync($"第 2 / {pages} 页");
        Assert.Contains("page=2", page.Url);
        await Assertions.Expect(sections.First).Not.ToHaveAttributeAsync("data-code", first!);
        await Assertions.Expect(sections).ToHaveCountAsync((int)Math.Min(20, total - 20));
        await ConsoleSite.ScreenshotAsync(page, "activities-page-2");

        // A filter starts again from its first page.
        await page.Locator("#activity-filter [name=q]").FillAsync("5.1.1");
        await page.Locator("#activity-filter button[type=submit]").ClickAsync();
        await Assertions.Expect(sections).ToHaveCountAsync(1);
        Assert.DoesNotContain("page=", page.Url);
        await Assertions.Expect(pager).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task An_admin_removes_all_sample_sessions_with_one_button()
    {
        var page = await SignInAsync();
        await page.GotoAsync("/console/#/activities");
        var button = page.Locator("#remove-samples");
        await Assertions.Expect(button).ToContainTextAsync("删除全部示例场次（11）");
        await Assertions.Expect(page.Locator(".badge.sample").First).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(ConsoleSite.ScreenshotDir, "21-activities-with-samples.png") }); // the top: the page is long
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await button.ClickAsync();
        await Assertions.Expect(page.Locator("#toast")).ToContainTextAsync("已删除 11 个示例场次");
        await Assertions.Expect(page.Locator("#remove-samples")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".badge.sample")).ToHaveCountAsync(0);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ConsoleSite.ScreenshotDir, "22-activities-samples-removed.png") }); // the top: the page is long
        await using var conn = new Npgsql.NpgsqlConnection(site.ConnectionString);
        Assert.Equal(0L, await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn, "SELECT count(*) FROM sessions WHERE is_sample"));
    }

    [Fact]
    public async Task An_admin_picks_an_organisers_unit_from_the_plans_list_and_the_organiser_sees_its_activities()
    {
        var page = await SignInAsync();
        await page.GotoAsync("/console/#/staff");
        var form = page.Locator("#staff-form");
        await form.WaitForAsync();
        // The unit is a list, not free text: "柳州市科技馆" is not offered, the plan's "柳州科技馆" is.
        var unit = form.Locator("#staff-unit");
        await Assertions.Expect(unit.Locator("option[value='柳州市科技馆']")).ToHaveCountAsync(0);
        await form.Locator("[name=username]").FillAsync("museum.staff");
        await form.Locator("[name=displayName]").FillAsync("韦老师");
        await form.Locator("[name=role]").SelectOptionAsync("organiser");
        await unit.SelectOptionAsync("柳州科技馆");
        await form.Locator("[name=password]").FillAsync("museum-pass-1");
        await ConsoleSite.ScreenshotAsync(page, "23-staff-unit-list");
        await form.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#staff")).ToContainTextAsync("韦老师");

        // A unit no activity names yet is added by the admin first, then offered.
        await page.Locator("#unit-form [name=name]").FillAsync("柳州市第一中学");
        await page.Locator("#unit-form button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#staff-unit option[value='柳州市第一中学']")).ToHaveCountAsync(1);

        var organiser = await site.NewPageAsync();
        await organiser.GotoAsync("/console/");
        await organiser.FillAsync("input[name=username]", "museum.staff");
        await organiser.FillAsync("input[name=password]", "museum-pass-1");
        await organiser.ClickAsync("#login-form button[type=submit]");
        await organiser.Locator("#upcoming").WaitForAsync();
        await organiser.GotoAsync("/console/#/activities?mine=true");
        await Assertions.Expect(organiser.Locator("[data-code='5.1.2']")).ToBeVisibleAsync();
        await organiser.ScreenshotAsync(new() { Path = Path.Combine(ConsoleSite.ScreenshotDir, "24-organiser-own-activities.png") });
    }
}
