using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Console;

/// <summary>
/// Moving and cancelling a session from the console (issue 19 items 6 and 7): deadlines keep their place
/// before the start, parents are told of a new time or venue, and a cancellation carries its reason.
/// Activities get a short name for notices (issue 22).
/// </summary>
public sealed class SessionChangeNoticeTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    private static object Edit(DateTimeOffset starts, DateTimeOffset closes, DateTimeOffset cancel, string venue = "柳州科技馆一楼") => new
    {
        title = "控制台场次", startsAt = starts, endsAt = starts.AddHours(2), venue, capacity = 5, waitlistCapacity = 5,
        signupOpensAt = starts.AddDays(-20), signupClosesAt = closes, cancelDeadline = cancel, status = "open",
    };

    private async Task<(HttpClient Staff, long Session, DateTimeOffset Starts)> SessionWithSignupAsync()
    {
        var staff = await app.StaffAsync("organiser");
        var starts = app.Clock.GetUtcNow().AddDays(10);
        var created = await (await staff.PostAsJsonAsync($"/api/console/activities/{await app.ActivityIdAsync()}/sessions",
            ConsoleHttp.Session(starts, capacity: 5))).JsonAsync(HttpStatusCode.Created);
        var session = created.GetProperty("id").GetInt64();
        var (parent, children) = await Parent.ReadyAsync(app);
        await parent.SignUpOkAsync(session, children[0].Id);
        return (staff, session, starts);
    }

    private Task<long> ChangedEventsAsync(long session) =>
        app.ScalarAsync<long>($"SELECT count(*) FROM signup_events WHERE session_id = {session} AND kind = 'session_changed'");

    [Fact]
    public async Task Moving_a_session_earlier_moves_its_deadlines_with_it_and_records_a_change_notice_saying_the_old_time()
    {
        var (staff, session, starts) = await SessionWithSignupAsync();
        var closes = starts.AddHours(-2);
        var cancel = starts.AddDays(-1);

        // The console sends the deadlines it showed, unchanged, with the new start three days earlier.
        var moved = starts.AddDays(-3);
        var body = await (await staff.PutAsJsonAsync($"/api/console/sessions/{session}", Edit(moved, closes, cancel))).JsonAsync();

        var dto = body.GetProperty("session");
        Assert.Equal(moved.AddHours(-2), dto.GetProperty("signupClosesAt").GetDateTimeOffset());
        Assert.Equal(moved.AddDays(-1), dto.GetProperty("cancelDeadline").GetDateTimeOffset());
        Assert.Equal(1, await ChangedEventsAsync(session));
        var detail = await app.ScalarAsync<string>($"SELECT detail FROM signup_events WHERE session_id = {session} AND kind = 'session_changed'");
        Assert.Equal("已改期，原定" + WechatKepu.Data.Shanghai.ToShanghai(starts).ToString("M月d日 HH:mm", System.Globalization.CultureInfo.InvariantCulture), detail);

        // A new venue alone is a change too; an edit that moves neither tells nobody.
        await (await staff.PutAsJsonAsync($"/api/console/sessions/{session}", Edit(moved, moved.AddHours(-2), moved.AddDays(-1), "柳州市青少年宫"))).JsonAsync();
        await (await staff.PutAsJsonAsync($"/api/console/sessions/{session}", Edit(moved, moved.AddHours(-3), moved.AddDays(-1), "柳州市青少年宫"))).JsonAsync();
        Assert.Equal(2, await ChangedEventsAsync(session));
        Assert.Equal("活动地点已变更，请留意", await app.ScalarAsync<string>(
            $"SELECT detail FROM signup_events WHERE session_id = {session} AND kind = 'session_changed' ORDER BY id DESC LIMIT 1"));
    }

    [Fact]
    public async Task Deadlines_staff_set_after_the_start_are_refused_and_nothing_changes()
    {
        var (staff, session, starts) = await SessionWithSignupAsync();
        var moved = starts.AddDays(-3);

        await ProblemAssert.NamesParameterAsync(
            await staff.PutAsJsonAsync($"/api/console/sessions/{session}", Edit(moved, moved.AddHours(1), moved.AddDays(-1))), "signupClosesAt");
        await ProblemAssert.NamesParameterAsync(
            await staff.PutAsJsonAsync($"/api/console/sessions/{session}", Edit(moved, moved.AddHours(-1), moved.AddHours(1))), "cancelDeadline");
        await ProblemAssert.NamesParameterAsync(await staff.PostAsJsonAsync($"/api/console/activities/{await app.ActivityIdAsync()}/sessions",
            Edit(starts, starts.AddHours(1), starts.AddDays(-1))), "signupClosesAt");

        var session2 = await app.ScalarAsync<DateTime>($"SELECT starts_at FROM sessions WHERE id = {session}");
        Assert.Equal(starts.UtcDateTime, DateTime.SpecifyKind(session2, DateTimeKind.Utc));
        Assert.Equal(0, await ChangedEventsAsync(session));
    }

    [Fact]
    public async Task A_cancellation_keeps_its_reason_for_the_parents_notice_and_a_reason_longer_than_wechat_shows_is_refused()
    {
        var (staff, session, _) = await SessionWithSignupAsync();

        await ProblemAssert.NamesParameterAsync(
            await staff.PostAsJsonAsync($"/api/console/sessions/{session}/cancel", new { reason = "因台风预警，根据市防汛办通知，本场活动取消，改期另行通知" }), "reason");
        Assert.Equal("open", await app.ScalarAsync<string>($"SELECT status FROM sessions WHERE id = {session}"));

        await (await staff.PostAsJsonAsync($"/api/console/sessions/{session}/cancel", new { reason = "台风预警，活动取消" })).JsonAsync();
        Assert.Equal("台风预警，活动取消", await app.ScalarAsync<string>(
            $"SELECT DISTINCT detail FROM signup_events WHERE session_id = {session} AND kind = 'session_cancelled'"));
    }

    [Fact]
    public async Task Activities_carry_a_short_name_for_notices_seeded_from_the_plan_and_required_for_long_titles()
    {
        var staff = await app.StaffAsync("admin");
        Assert.Equal("科普日柳州启动仪式", await app.ScalarAsync<string>("SELECT short_name FROM activities WHERE code = '5.1.1'"));
        Assert.Equal(0, await app.ScalarAsync<long>("SELECT count(*) FROM activities WHERE from_seed AND short_name = ''"));

        object Activity(string title, string? shortName) => new
        {
            category = "各单位特色活动", title, shortName, timeText = "10月", startsOn = "2026-10-01", endsOn = "2026-10-31",
            venue = "柳州科技馆", hostUnits = new[] { ConsoleApp.Unit },
        };
        const string longTitle = "柳州科技馆2026年国庆假期系列主题科普活动暨科学实验秀";
        await ProblemAssert.NamesParameterAsync(await staff.PostAsJsonAsync("/api/console/activities", Activity(longTitle, null)), "shortName");
        await ProblemAssert.NamesParameterAsync(await staff.PostAsJsonAsync("/api/console/activities", Activity(longTitle, new string('科', 21))), "shortName");

        var created = await (await staff.PostAsJsonAsync("/api/console/activities", Activity(longTitle, "国庆科学实验秀"))).JsonAsync(HttpStatusCode.Created);
        Assert.Equal("国庆科学实验秀", created.GetProperty("shortName").GetString());
        var id = created.GetProperty("id").GetInt64();

        // An edit without the field keeps it; with it, changes it.
        await (await staff.PutAsJsonAsync($"/api/console/activities/{id}", Activity(longTitle, null))).JsonAsync();
        Assert.Equal("国庆科学实验秀", await app.ScalarAsync<string>($"SELECT short_name FROM activities WHERE id = {id}"));
        await (await staff.PutAsJsonAsync($"/api/console/activities/{id}", Activity(longTitle, "国庆科学秀"))).JsonAsync();
        Assert.Equal("国庆科学秀", await app.ScalarAsync<string>($"SELECT short_name FROM activities WHERE id = {id}"));
        var listed = await (await staff.GetAsync("/api/console/activities")).JsonAsync();
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), a => a.GetProperty("shortName").GetString() == "国庆科学秀");
    }
}
