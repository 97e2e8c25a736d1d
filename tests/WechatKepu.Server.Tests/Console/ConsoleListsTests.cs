using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Console;

/// <summary>
/// The follower list's search (an openid is looked up exactly; anything else searches remarks; a search counts to
/// 10,000 and says so) and the dashboard's figures, read from ranges and counters.
/// </summary>
public sealed class ConsoleListsTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    private async Task<JsonElement> FollowersAsync(HttpClient staff, string query) =>
        await (await staff.GetAsync("/api/console/followers?" + query)).JsonAsync();

    private static string[] Openids(JsonElement list) =>
        list.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("openid").GetString()!).ToArray();

    [Fact]
    public async Task Search_finds_an_openid_exactly_and_remarks_by_any_part_of_them()
    {
        var openid = "oKepu" + Guid.NewGuid().ToString("N")[..23];
        await using (var conn = await app.OpenAsync())
        {
            await conn.ExecuteAsync("""
                INSERT INTO followers (app_id, openid, subscribed, remark) VALUES
                (@app, @openid, true, NULL),
                (@app, 'oKepuRemark000000000000000001', true, '王老师（三中）'),
                (@app, 'oKepuRemark000000000000000002', false, '王老师'),
                (@app, 'oKepuRemark000000000000000003', true, '李老师')
                """, new { app = ConsoleApp.OaAppId, openid });
        }

        using var viewer = await app.StaffAsync("viewer", unit: null);
        var byOpenid = await FollowersAsync(viewer, "q=" + openid);
        Assert.Equal([openid], Openids(byOpenid));
        Assert.Equal(1, byOpenid.GetProperty("total").GetInt64());
        Assert.Equal([openid], Openids(await FollowersAsync(viewer, $"q={openid}&appId={ConsoleApp.OaAppId}")));
        Assert.Empty(Openids(await FollowersAsync(viewer, $"q={openid}&appId=wxoaother00000002")));
        // Part of an openid is not an openid, and openids are not searched by part.
        Assert.Empty(Openids(await FollowersAsync(viewer, "q=" + openid[..27])));

        var three = await FollowersAsync(viewer, "q=" + Uri.EscapeDataString("王老师"));
        Assert.Equal(["oKepuRemark000000000000000002", "oKepuRemark000000000000000001"], Openids(three));
        Assert.Equal(2, three.GetProperty("total").GetInt64());
        Assert.False(three.GetProperty("totalCapped").GetBoolean());
        Assert.Equal(3, (await FollowersAsync(viewer, "q=" + Uri.EscapeDataString("老师"))).GetProperty("total").GetInt64());
        Assert.Equal(1, (await FollowersAsync(viewer, "q=" + Uri.EscapeDataString("老师") + "&subscribed=false")).GetProperty("total").GetInt64());
        Assert.Equal(["oKepuRemark000000000000000001"], Openids(await FollowersAsync(viewer, "q=" + Uri.EscapeDataString("三中"))));
        Assert.Equal(["oKepuRemark000000000000000003"], Openids(await FollowersAsync(viewer, "q=" + Uri.EscapeDataString("李"))));
    }

    [Fact]
    public async Task A_search_counts_to_ten_thousand_and_says_there_are_more()
    {
        await using (var conn = await app.OpenAsync())
        {
            await conn.ExecuteAsync("""
                INSERT INTO followers (app_id, openid, subscribed, remark)
                SELECT @app, 'oKepuBulk' || lpad(i::text, 19, '0'), true, '批量导入' || i FROM generate_series(1, 10005) i
                """, new { app = ConsoleApp.OaAppId });
        }

        using var viewer = await app.StaffAsync("viewer", unit: null);
        var capped = await FollowersAsync(viewer, "q=" + Uri.EscapeDataString("批量导入"));
        Assert.Equal(10_000, capped.GetProperty("total").GetInt64());
        Assert.True(capped.GetProperty("totalCapped").GetBoolean());
        Assert.Equal(50, capped.GetProperty("items").GetArrayLength());
        var exact = await FollowersAsync(viewer, "q=" + Uri.EscapeDataString("批量导入1000"));
        Assert.Equal(7, exact.GetProperty("total").GetInt64()); // 1000, 10000..10005
        Assert.False(exact.GetProperty("totalCapped").GetBoolean());

        // Without a search the counters give the exact total, however many.
        var all = await FollowersAsync(viewer, "subscribed=true");
        Assert.True(all.GetProperty("total").GetInt64() > 10_000);
        Assert.False(all.GetProperty("totalCapped").GetBoolean());

        // Paging reaches the cap and stops there.
        Assert.Equal(50, (await FollowersAsync(viewer, "page=200")).GetProperty("items").GetArrayLength());
        await ProblemAssert.NamesParameterAsync(await viewer.GetAsync("/api/console/followers?page=201"), "page");
        await ProblemAssert.NamesParameterAsync(await viewer.GetAsync("/api/console/followers?page=51&pageSize=200"), "page");
    }

    [Theory]
    [InlineData("page=0", "page")]
    [InlineData("page=abc", "page")]
    [InlineData("page=10001", "page")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=201", "pageSize")]
    [InlineData("tag=-1", "tag")]
    [InlineData("tag=abc", "tag")]
    [InlineData("tag=99999999999", "tag")]
    [InlineData("subscribed=maybe", "subscribed")]
    [InlineData("q=%01", "q")]
    [InlineData("q=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "q")]
    public async Task Bad_follower_list_queries_are_validation_problems(string query, string parameter)
    {
        using var viewer = await app.StaffAsync("viewer", unit: null);
        await ProblemAssert.NamesParameterAsync(await viewer.GetAsync("/api/console/followers?" + query), parameter);
    }

    [Fact]
    public async Task Dashboard_counts_todays_and_the_weeks_signups_places_held_and_notices()
    {
        var organiser = await app.StaffAsync("organiser");
        var activity = await app.ActivityIdAsync();
        var session = (await (await organiser.PostAsJsonAsync($"/api/console/activities/{activity}/sessions",
            ConsoleHttp.Session(app.Clock.GetUtcNow().AddDays(10), capacity: 2, waitlist: 5))).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();
        for (var i = 0; i < 3; i++)
        {
            var (parent, children) = await Parent.ReadyAsync(app);
            await parent.SignUpOkAsync(session, children[0].Id);
        }

        async Task<JsonElement> DashboardAsync() => await (await organiser.GetAsync("/api/console/dashboard")).JsonAsync();

        var d = await DashboardAsync();
        Assert.Equal(3, d.GetProperty("signupsToday").GetInt64());
        Assert.Equal(3, d.GetProperty("signupsWeek").GetInt64());
        Assert.Equal(3, d.GetProperty("activeSignups").GetInt64()); // two places and one on the waiting list

        // Days later, a fresh sign-in (the first one has expired).
        app.Clock.Advance(TimeSpan.FromDays(2));
        organiser.Dispose();
        organiser = await app.StaffAsync("organiser");
        d = await DashboardAsync();
        Assert.Equal(0, d.GetProperty("signupsToday").GetInt64());
        Assert.Equal(3, d.GetProperty("signupsWeek").GetInt64());

        Assert.Equal(HttpStatusCode.OK, (await organiser.PostAsJsonAsync($"/api/console/sessions/{session}/cancel", new { reason = "场馆检修" })).StatusCode);
        d = await DashboardAsync();
        Assert.Equal(0, d.GetProperty("activeSignups").GetInt64());
        Assert.Equal(3, d.GetProperty("noticesPending").GetInt64());
        Assert.Equal(0, d.GetProperty("noticesSent").GetInt64());

        // Two notices went out now, one eight days ago: only the week's count as sent.
        await using (var conn = await app.OpenAsync())
        {
            await conn.ExecuteAsync("""
                UPDATE signup_events SET notified_at = CASE WHEN id = (SELECT min(id) FROM signup_events WHERE session_id = @session AND kind = 'session_cancelled')
                                                            THEN @now - interval '8 days' ELSE @now END
                WHERE session_id = @session AND kind = 'session_cancelled'
                """, new { session, now = app.Clock.GetUtcNow().UtcDateTime });
        }

        d = await DashboardAsync();
        Assert.Equal(0, d.GetProperty("noticesPending").GetInt64());
        Assert.Equal(2, d.GetProperty("noticesSent").GetInt64());

        app.Clock.Advance(TimeSpan.FromDays(6));
        organiser.Dispose();
        organiser = await app.StaffAsync("organiser");
        Assert.Equal(0, (await DashboardAsync()).GetProperty("signupsWeek").GetInt64());
        organiser.Dispose();
    }

    [Fact]
    public async Task Signup_day_counters_equal_a_recount_after_concurrent_sign_ups_and_deleted_rows()
    {
        var organiser = await app.StaffAsync("organiser");
        var activity = await app.ActivityIdAsync();
        async Task<long> SessionAsync() => (await (await organiser.PostAsJsonAsync($"/api/console/activities/{activity}/sessions",
            ConsoleHttp.Session(app.Clock.GetUtcNow().AddDays(12), capacity: 3, waitlist: 3))).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var sessions = new[] { await SessionAsync(), await SessionAsync() };
        var signups = new List<Task>();
        for (var i = 0; i < 6; i++)
        {
            var (parent, children) = await Parent.ReadyAsync(app);
            signups.Add(parent.SignUpOkAsync(sessions[i % 2], children[0].Id));
        }

        // Sign-ups to two sessions at once: batches of different sessions run side by side, each adding to its shard.
        await Task.WhenAll(signups);

        const string Counters = "SELECT day::text, sum(signups)::bigint FROM signup_day_counts GROUP BY day HAVING sum(signups) <> 0 ORDER BY day";
        const string Recount = "SELECT (created_at AT TIME ZONE 'Asia/Shanghai')::date::text, count(*) FROM signups GROUP BY 1 ORDER BY 1";
        await using var conn = await app.OpenAsync();
        Assert.Equal(await conn.QueryAsync<(string, long)>(Recount), await conn.QueryAsync<(string, long)>(Counters));

        // Rows deleted (as a sample session's are): the day's counters lose them.
        var before = await conn.ExecuteScalarAsync<long>("SELECT coalesce(sum(signups), 0)::bigint FROM signup_day_counts");
        var deleted = await conn.ExecuteAsync("DELETE FROM signups WHERE session_id = @session", new { session = sessions[1] });
        Assert.Equal(3, deleted);
        Assert.Equal(before - 3, await conn.ExecuteScalarAsync<long>("SELECT coalesce(sum(signups), 0)::bigint FROM signup_day_counts"));
        Assert.Equal(await conn.QueryAsync<(string, long)>(Recount), await conn.QueryAsync<(string, long)>(Counters));

        // A rebuild finds what the triggers kept.
        await conn.ExecuteAsync("SELECT signup_day_counts_rebuild()");
        Assert.Equal(await conn.QueryAsync<(string, long)>(Recount), await conn.QueryAsync<(string, long)>(Counters));
        organiser.Dispose();
    }
}
