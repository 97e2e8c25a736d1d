using ClosedXML.Excel;
using Dapper;
using Microsoft.Playwright;
using Npgsql;
using QRCoder;

namespace WechatKepu.Console.Tests;

/// <summary>
/// 活动总结 in headless Chromium: an organiser finds their activity and files its summary with a photo; an admin
/// sees the unit that has not filed, exports the campaign workbook (checked against the database) and opens the
/// printable 表彰 page.
/// </summary>
public sealed class SummariesBrowserTests(ConsoleSite site) : IClassFixture<ConsoleSite>
{
    private const string FiledTitle = "浏览器测试：科学实验开放日";
    private const string WeatherUnit = "柳州市气象局";

    private long _campaign;
    private long _activity;

    /// <summary>The 全国科普日 campaign moved around today (the seeded one is the plan's 2024), with two activities of its own.</summary>
    private async Task ArrangeAsync()
    {
        await using var conn = new NpgsqlConnection(site.ConnectionString);
        if (await conn.ExecuteScalarAsync<long?>("SELECT id FROM activities WHERE code = 'B.1'") is { } arranged)
        {
            (_campaign, _activity) = (await conn.ExecuteScalarAsync<long>("SELECT id FROM summary_campaigns WHERE code = 'science-day-2024'"), arranged);
            return;
        }

        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        _campaign = await conn.ExecuteScalarAsync<long>("""
            UPDATE summary_campaigns SET period_from = @from, period_to = @to, deadline = @deadline WHERE code = 'science-day-2024' RETURNING id
            """, new { from = today.AddDays(-20).ToDateTime(TimeOnly.MinValue), to = today.AddDays(20).ToDateTime(TimeOnly.MinValue), deadline = DateTime.UtcNow.AddDays(10) });
        _activity = (await conn.QueryAsync<long>("""
            INSERT INTO activities (code, category, title, time_text, starts_on, ends_on, venue, host_units, organiser_units, accepts_signups, sort_order)
            VALUES ('B.1', '各单位特色活动', @title, '本月', @day, @day, '柳州科技馆', '{柳州市科学技术协会}', @museum, true, 1000),
                   ('B.2', '各单位特色活动', '浏览器测试：气象科普讲座', '本月', @day, @day, '柳州市气象局', '{柳州市科学技术协会}', @weather, false, 1001)
            RETURNING id
            """, new { title = FiledTitle, day = today.AddDays(-3).ToDateTime(TimeOnly.MinValue), museum = new[] { ConsoleSite.OrganiserUnit }, weather = new[] { WeatherUnit } })).First();
        var session = await conn.ExecuteScalarAsync<long>("""
            INSERT INTO sessions (activity_id, title, starts_at, ends_at, venue, capacity, waitlist_capacity, signup_opens_at, signup_closes_at, cancel_deadline)
            VALUES (@a, '开放日上午场', now() - interval '3 days', now() - interval '3 days' + interval '2 hours', '柳州科技馆', 30, 5,
                    now() - interval '20 days', now() - interval '4 days', now() - interval '4 days')
            RETURNING id
            """, new { a = _activity });
        await conn.ExecuteAsync("""
            INSERT INTO signups (session_id, party_id, status, created_at, checked_in_at)
            SELECT @session, gen_random_uuid(), CASE WHEN g <= 2 THEN 'checked_in' ELSE 'confirmed' END, now(), CASE WHEN g <= 2 THEN now() END
            FROM generate_series(1, 3) g
            """, new { session });
    }

    private async Task<IPage> SignInAsync(string user, string password)
    {
        var page = await site.NewPageAsync();
        await page.GotoAsync("/console/");
        await page.Locator("#login-form").WaitForAsync();
        await page.FillAsync("input[name=username]", user);
        await page.FillAsync("input[name=password]", password);
        await page.ClickAsync("#login-form button[type=submit]");
        await page.Locator("#upcoming").WaitForAsync(); // the dashboard has rendered: a click now is not overtaken by it
        return page;
    }

    [Fact]
    public async Task An_organiser_finds_their_activity_and_files_its_summary_with_a_photo()
    {
        await ArrangeAsync();
        var page = await SignInAsync(ConsoleSite.OrganiserUser, ConsoleSite.OrganiserPassword);
        // Every page reminds them while their unit has something to file.
        await Assertions.Expect(page.Locator("#summary-banner")).ToContainTextAsync("活动总结待报送");
        await page.ClickAsync("#summary-banner a");
        await page.Locator("#summary-activities").WaitForAsync();
        await page.FillAsync("#summary-search", "开放日");
        var row = page.Locator("#summary-activities tr[data-id]");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync(FiledTitle);
        await row.Locator("a", new() { HasText = "填写总结" }).ClickAsync();

        await page.Locator("#summary-form").WaitForAsync();
        // Sign-ups were taken: the count is the two check-ins, not typed.
        await Assertions.Expect(page.Locator("#summary-counted")).ToHaveValueAsync("2");
        var day = DateTime.UtcNow.AddHours(8).AddDays(-3).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await page.FillAsync("input[name=heldFrom]", day);
        await page.FillAsync("input[name=heldTo]", day);
        await page.FillAsync("#summary-text", "开放日接待两个班级的学生，完成了水火箭和静电实验，家长反响很好。");
        using var qr = new QRCodeGenerator();
        using var data = qr.CreateQrCode("开放日现场照片", QRCodeGenerator.ECCLevel.M);
        await page.SetInputFilesAsync("#summary-files", new FilePayload { Name = "现场.png", MimeType = "image/png", Buffer = new PngByteQRCode(data).GetGraphic(8) });
        await ConsoleSite.ScreenshotAsync(page, "summaries-1-form");
        await page.ClickAsync("#summary-form button[type=submit]");

        await page.WaitForURLAsync($"**/console/#/summaries?campaign={_campaign}");
        await page.FillAsync("#summary-search", "开放日");
        await Assertions.Expect(page.Locator("#summary-activities tr[data-id]")).ToContainTextAsync("已报送");
        await using var conn = new NpgsqlConnection(site.ConnectionString);
        var (body, photos, by) = await conn.QuerySingleAsync<(string, long, string)>("""
            SELECT s.body, (SELECT count(*) FROM summary_photos p WHERE p.summary_id = s.id AND p.content_type = 'image/png'), s.filed_by_name
            FROM activity_summaries s WHERE s.campaign_id = @c AND s.activity_id = @a
            """, new { c = _campaign, a = _activity });
        Assert.StartsWith("开放日接待两个班级", body);
        Assert.Equal(1, photos);
        Assert.Equal("李组织", by);

        await page.Locator("#summary-activities tr[data-id] a").ClickAsync();
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#summary-kept img')].length === 1 && [...document.images].every(i => i.complete && i.naturalWidth > 0)");
    }

    [Fact]
    public async Task An_admin_sees_the_unit_that_has_not_filed_exports_the_workbook_and_opens_the_awards_page()
    {
        await ArrangeAsync();
        var page = await SignInAsync(ConsoleSite.AdminUser, ConsoleSite.AdminPassword);
        await page.GotoAsync($"/console/#/summaries?campaign={_campaign}");
        var missing = page.Locator($"#summary-missing tr[data-unit='{WeatherUnit}']");
        await Assertions.Expect(missing).ToContainTextAsync("浏览器测试：气象科普讲座");
        await ConsoleSite.ScreenshotAsync(page, "summaries-2-not-filed");
        // Reminding answers at once (the console's banner; no WeChat template is configured here, and the unit has no organiser yet).
        await page.ClickAsync("#summary-remind");
        await Assertions.Expect(page.Locator("#toast")).ToContainTextAsync("已提醒");

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#summary-export"));
        var path = Path.Combine(ConsoleSite.ScreenshotDir, "summary-export.xlsx");
        await download.SaveAsAsync(path);
        using var workbook = new XLWorkbook(path);
        Assert.Equal("总览", workbook.Worksheets.First().Name);
        Assert.Contains(workbook.Worksheets, w => w.Name == WeatherUnit);
        var overview = workbook.Worksheet("总览");
        var headers = overview.Row(1).CellsUsed().ToDictionary(c => c.GetString(), c => c.Address.ColumnNumber);
        var weather = overview.RowsUsed().Single(r => r.Cell(1).GetString() == WeatherUnit);
        Assert.Equal("1", weather.Cell(headers["未报送"]).GetFormattedString());
        var museum = overview.RowsUsed().Single(r => r.Cell(1).GetString() == ConsoleSite.OrganiserUnit);

        await using var conn = new NpgsqlConnection(site.ConnectionString);
        var (from, to) = await conn.QuerySingleAsync<(DateTime, DateTime)>("SELECT period_from, period_to FROM summary_campaigns WHERE id = @c", new { c = _campaign });
        var db = await conn.QuerySingleAsync<(long Sessions, long Signups, long Checkins)>("""
            SELECT count(DISTINCT s.id), count(su.id) FILTER (WHERE su.status IN ('confirmed', 'checked_in')), count(su.id) FILTER (WHERE su.status = 'checked_in')
            FROM sessions s JOIN activities a ON a.id = s.activity_id LEFT JOIN signups su ON su.session_id = s.id
            WHERE @unit = ANY (CASE WHEN cardinality(a.organiser_units) > 0 THEN a.organiser_units ELSE a.host_units END)
              AND a.starts_on <= @to AND a.ends_on >= @from AND s.status <> 'cancelled'
              AND s.starts_at >= @from::timestamp AT TIME ZONE 'Asia/Shanghai' AND s.starts_at < (@to::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'
            """, new { unit = ConsoleSite.OrganiserUnit, from, to });
        Assert.Equal(db.Sessions.ToString(), museum.Cell(headers["场次"]).GetFormattedString());
        Assert.Equal(db.Signups.ToString(), museum.Cell(headers["报名"]).GetFormattedString());
        Assert.Equal(db.Checkins.ToString(), museum.Cell(headers["签到"]).GetFormattedString());
        Assert.True(db.Signups >= 3);

        await page.ClickAsync("#summary-awards");
        await page.Locator("#awards-units").WaitForAsync();
        await Assertions.Expect(page.Locator("#awards-missing")).ToContainTextAsync("气象科普讲座");
        await page.EmulateMediaAsync(new() { Media = Media.Print });
        await Assertions.Expect(page.Locator("header")).ToBeHiddenAsync();
        await page.WaitForFunctionAsync("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)");
        await ConsoleSite.ScreenshotAsync(page, "summaries-3-awards");
    }
}
