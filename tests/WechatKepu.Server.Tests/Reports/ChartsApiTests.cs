using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using WechatKepu.Server.Tests.Console;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Reports;

/// <summary>The console's chart figures (<c>GET /api/console/reports/charts</c>) against rows the test writes.</summary>
public sealed class ChartsApiTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    private static JsonElement Day(JsonElement list, string day) => list.EnumerateArray().Single(d => d.GetProperty("day").GetString() == day);

    [Fact]
    public async Task The_charts_count_sign_ups_fill_attendance_reminders_followers_and_poster_scans()
    {
        using var organiser = await app.StaffAsync("organiser");
        var activity = await app.ActivityIdAsync();
        var starts = app.Clock.GetUtcNow().AddHours(5);
        var session = (await (await organiser.PostAsJsonAsync($"/api/console/activities/{activity}/sessions", new
        {
            title = "图表场次", venue = "柳州科技馆", startsAt = starts, endsAt = starts.AddHours(2), capacity = 4,
        })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var (first, firstKids) = await Parent.ReadyAsync(app);
        var (second, secondKids) = await Parent.ReadyAsync(app);
        await first.SignUpOkAsync(session, firstKids[0].Id);
        await second.SignUpOkAsync(session, secondKids[0].Id);
        var signup = await app.ScalarAsync<long>($"SELECT min(id) FROM signups WHERE session_id = {session}");
        (await organiser.PostAsJsonAsync($"/api/console/signups/{signup}/checkin", new { })).EnsureSuccessStatusCode();

        var now = app.Clock.GetUtcNow().UtcDateTime;
        await using (var conn = await app.OpenAsync())
        {
            // One reminder delivered (WeChat's receipt says so), one refused by WeChat, one parent with no channel.
            var campaign = await conn.ExecuteScalarAsync<long>("""
                INSERT INTO delivery_campaigns (kind, source, title, send_after, session_id, created_at, status)
                VALUES ('session_reminder', 'chart-test:' || @session, '图表提醒', @now, @session, @now, 'completed') RETURNING id
                """, new { session, now });
            await conn.ExecuteAsync("""
                INSERT INTO deliveries (campaign_id, recipient, channel, status, next_attempt_at, errcode, errmsg, receipt_status) VALUES
                    (@campaign, 'u:1', 'mp_subscribe', 'sent', @now, NULL, NULL, 'success'),
                    (@campaign, 'u:2', 'mp_subscribe', 'failed', @now, 43101, 'user refuse to accept the msg', NULL),
                    (@campaign, 'u:3', 'none', 'no_channel', @now, NULL, NULL, NULL)
                """, new { campaign, now });
            // Two followers gained today, one lost.
            var followers = (await conn.QueryAsync<long>("""
                INSERT INTO followers (app_id, openid, subscribed, subscribed_at) VALUES
                    ('wxchartstest00001', 'oChartFollower00000000000001', true, @now), ('wxchartstest00001', 'oChartFollower00000000000002', false, @now)
                RETURNING id
                """, new { now })).ToList();
            await conn.ExecuteAsync("""
                INSERT INTO follower_events (follower_id, kind, qr_scene, at) VALUES (@a, 'subscribe', 'p1', @now), (@b, 'subscribe', 'p1', @now), (@b, 'unsubscribe', NULL, @now)
                """, new { a = followers[0], b = followers[1], now });
            // A poster code scanned three times, bringing two new followers.
            await conn.ExecuteAsync("""
                INSERT INTO poster_codes (id, app_id, kind, activity_id, scene, created_at) VALUES (nextval('poster_codes_id_seq'), 'wxchartstest00001', 'qr_permanent', @activity, 'chart-test', @now);
                INSERT INTO poster_scans (code_id, openid, new_follower, at)
                SELECT currval('poster_codes_id_seq'), o, n, @now FROM (VALUES ('oChartFollower00000000000001', true), ('oChartFollower00000000000002', true), ('oChartFollower00000000000003', false)) AS v (o, n)
                """, new { activity, now });
        }

        // After the session: attendance is one of two.
        app.Clock.Advance(TimeSpan.FromHours(8));
        var today = WechatKepu.Data.Shanghai.Today(app.Clock).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var charts = await (await organiser.GetAsync("/api/console/reports/charts")).JsonAsync();
        Assert.Equal(today, charts.GetProperty("to").GetString());
        Assert.Equal(30, charts.GetProperty("signupsPerDay").GetArrayLength());
        Assert.Equal(2, Day(charts.GetProperty("signupsPerDay"), today).GetProperty("count").GetInt32());

        var row = charts.GetProperty("activities").EnumerateArray().Single(a => a.GetProperty("activityId").GetInt64() == activity);
        var capacity = await app.ScalarAsync<int>($"SELECT sum(capacity)::int FROM sessions WHERE activity_id = {activity} AND status <> 'cancelled'");
        Assert.Equal(capacity, row.GetProperty("capacity").GetInt32());
        Assert.Equal(2, row.GetProperty("confirmed").GetInt32());
        Assert.Equal(2, row.GetProperty("expected").GetInt32());
        Assert.Equal(1, row.GetProperty("checkedIn").GetInt32());
        Assert.Equal(50.0, row.GetProperty("attendanceRate").GetDouble());
        Assert.Equal(Math.Round(200.0 / capacity, 1), row.GetProperty("fillRate").GetDouble());

        var reminders = charts.GetProperty("reminders");
        Assert.Equal(3, reminders.GetProperty("total").GetInt32());
        Assert.Equal(1, reminders.GetProperty("delivered").GetInt32());
        Assert.Equal(1, reminders.GetProperty("failed").GetInt32());
        Assert.Equal(1, reminders.GetProperty("noChannel").GetInt32());
        var reason = Assert.Single(reminders.GetProperty("failedReasons").EnumerateArray());
        Assert.StartsWith("43101 ", reason.GetProperty("reason").GetString());

        var followersToday = Day(charts.GetProperty("followersPerDay"), today);
        Assert.Equal(2, followersToday.GetProperty("gained").GetInt32());
        Assert.Equal(1, followersToday.GetProperty("lost").GetInt32());
        var code = Assert.Single(charts.GetProperty("posterCodes").EnumerateArray());
        Assert.Equal(3, code.GetProperty("scans").GetInt32());
        Assert.Equal(2, code.GetProperty("newFollowers").GetInt32());

        // Another unit's organiser sees none of this unit's figures; the account's followers are everyone's.
        using var other = await app.StaffAsync("organiser", ConsoleApp.OtherUnit);
        var theirs = await (await other.GetAsync("/api/console/reports/charts")).JsonAsync();
        Assert.Equal(0, Day(theirs.GetProperty("signupsPerDay"), today).GetProperty("count").GetInt32());
        Assert.DoesNotContain(theirs.GetProperty("activities").EnumerateArray(), a => a.GetProperty("activityId").GetInt64() == activity);
        Assert.Equal(0, theirs.GetProperty("reminders").GetProperty("total").GetInt32());
        Assert.Empty(theirs.GetProperty("posterCodes").EnumerateArray());
        Assert.Equal(2, Day(theirs.GetProperty("followersPerDay"), today).GetProperty("gained").GetInt32());

        // A period of one day, before any of it: all zero.
        var before = await (await organiser.GetAsync("/api/console/reports/charts?from=2026-01-01&to=2026-01-01")).JsonAsync();
        Assert.Equal(0, Assert.Single(before.GetProperty("signupsPerDay").EnumerateArray()).GetProperty("count").GetInt32());
        Assert.Equal(0, before.GetProperty("reminders").GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("from=2026-13-01", "from")]
    [InlineData("to=yesterday", "to")]
    [InlineData("from=2026-11-02&to=2026-11-01", "to")]
    [InlineData("from=2025-01-01&to=2026-11-01", "to")]
    [InlineData("from=2026-11-01&from=2026-11-02", "from")]
    public async Task A_bad_period_is_400_naming_the_parameter(string query, string parameter)
    {
        using var viewer = await app.StaffAsync("viewer", unit: null);
        await ProblemAssert.NamesParameterAsync(await viewer.GetAsync("/api/console/reports/charts?" + query), parameter);
    }

    [Fact]
    public async Task The_charts_need_a_signed_in_staff_member()
    {
        using var anonymous = app.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/console/reports/charts")).StatusCode);
    }
}
