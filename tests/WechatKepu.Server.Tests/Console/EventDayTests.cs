using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Console;

/// <summary>今日场次: the day's sessions with their lists and counts, and check-in picked from the list.</summary>
public sealed class EventDayTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    private async Task<long> SessionAsync(HttpClient staff, DateTimeOffset starts, string title)
    {
        var activity = await app.ActivityIdAsync();
        return (await (await staff.PostAsJsonAsync($"/api/console/activities/{activity}/sessions", new
        {
            title, venue = "柳州科技馆", startsAt = starts, endsAt = starts.AddHours(2), capacity = 5,
        })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();
    }

    private static JsonElement? Find(JsonElement day, long sessionId) =>
        day.GetProperty("sessions").EnumerateArray().Cast<JsonElement?>().FirstOrDefault(s => s!.Value.GetProperty("id").GetInt64() == sessionId);

    [Fact]
    public async Task The_day_lists_its_sessions_and_children_checks_one_in_by_hand_and_shows_the_no_shows_once_over()
    {
        using var organiser = await app.StaffAsync("organiser");
        // Today is 09:00 in Shanghai on the test clock: one session this afternoon, one tomorrow.
        var today = await SessionAsync(organiser, app.Clock.GetUtcNow().AddHours(5), "今日场次·下午");
        var tomorrow = await SessionAsync(organiser, app.Clock.GetUtcNow().AddDays(1).AddHours(5), "明日场次");
        var (first, firstKids) = await Parent.ReadyAsync(app);
        var (second, secondKids) = await Parent.ReadyAsync(app);
        await first.SignUpOkAsync(today, firstKids[0].Id);
        await second.SignUpOkAsync(today, secondKids[0].Id);
        await second.SignUpOkAsync(tomorrow, secondKids[0].Id);

        var day = await (await organiser.GetAsync("/api/console/event-day")).JsonAsync();
        Assert.True(day.GetProperty("isToday").GetBoolean());
        var session = Find(day, today)!.Value;
        Assert.Null(Find(day, tomorrow));
        Assert.Equal(2, session.GetProperty("expected").GetInt32());
        Assert.Equal(0, session.GetProperty("checkedIn").GetInt32());
        Assert.False(session.GetProperty("ended").GetBoolean());
        var signups = session.GetProperty("signups").EnumerateArray().ToList();
        Assert.Equal(2, signups.Count);
        Assert.All(signups, s => Assert.Equal("138****8000", s.GetProperty("phone").GetString()));

        // A child without the phone: checked in from the list.
        var picked = signups[0].GetProperty("id").GetInt64();
        var checkin = await (await organiser.PostAsJsonAsync($"/api/console/signups/{picked}/checkin", new { })).JsonAsync();
        Assert.Equal("checked_in", checkin.GetProperty("outcome").GetString());
        Assert.Equal("checked_in", await app.ScalarAsync<string>($"SELECT status FROM signups WHERE id = {picked}"));
        Assert.Equal(1L, await app.ScalarAsync<long>($"SELECT count(*) FROM staff_audit_log WHERE action = 'signup.checkin' AND target = 'signup:{picked}'"));
        var again = await (await organiser.PostAsJsonAsync($"/api/console/signups/{picked}/checkin", new { })).JsonAsync();
        Assert.Equal("already_checked_in", again.GetProperty("outcome").GetString());

        // Tomorrow's sign-up picked by mistake: a warning, nothing changed, until confirmed.
        var tomorrowSignup = await app.ScalarAsync<long>($"SELECT id FROM signups WHERE session_id = {tomorrow}");
        var warned = await (await organiser.PostAsJsonAsync($"/api/console/signups/{tomorrowSignup}/checkin", new { })).JsonAsync();
        Assert.Equal("not_today", warned.GetProperty("outcome").GetString());
        Assert.Equal("confirmed", await app.ScalarAsync<string>($"SELECT status FROM signups WHERE id = {tomorrowSignup}"));
        var tomorrowDay = await (await organiser.GetAsync($"/api/console/event-day?date={WechatKepu.Data.Shanghai.ToShanghai(app.Clock.GetUtcNow().AddDays(1)):yyyy-MM-dd}")).JsonAsync();
        Assert.False(tomorrowDay.GetProperty("isToday").GetBoolean());
        Assert.Equal(1, Find(tomorrowDay, tomorrow)!.Value.GetProperty("expected").GetInt32());

        // After the session: the counts and the one child who did not come.
        app.Clock.Advance(TimeSpan.FromHours(8));
        session = Find(await (await organiser.GetAsync("/api/console/event-day")).JsonAsync(), today)!.Value;
        Assert.True(session.GetProperty("ended").GetBoolean());
        Assert.Equal(1, session.GetProperty("checkedIn").GetInt32());
        var noShows = session.GetProperty("signups").EnumerateArray().Where(s => s.GetProperty("status").GetString() == "confirmed").ToList();
        Assert.Equal([signups[1].GetProperty("id").GetInt64()], noShows.Select(s => s.GetProperty("id").GetInt64()));

        // Another unit's organiser neither sees nor checks in this unit's children.
        using var other = await app.StaffAsync("organiser", ConsoleApp.OtherUnit);
        Assert.Null(Find(await (await other.GetAsync("/api/console/event-day")).JsonAsync(), today));
        await ProblemAssert.IsProblemAsync(await other.PostAsJsonAsync($"/api/console/signups/{noShows[0].GetProperty("id").GetInt64()}/checkin", new { }),
            HttpStatusCode.Forbidden, "not_your_unit");
    }

    [Theory]
    [InlineData("date=2026-13-01")]
    [InlineData("date=tomorrow")]
    [InlineData("date=2026-11-29&date=2026-11-30")]
    [InlineData("date=1999-12-31")]
    public async Task A_bad_date_is_400_naming_it(string query)
    {
        using var viewer = await app.StaffAsync("viewer", unit: null);
        await ProblemAssert.NamesParameterAsync(await viewer.GetAsync("/api/console/event-day?" + query), "date");
    }

    [Fact]
    public async Task Manual_check_in_refuses_bad_ids_unknown_sign_ups_viewers_and_strangers()
    {
        using var organiser = await app.StaffAsync("organiser");
        await ProblemAssert.IsProblemAsync(await organiser.PostAsJsonAsync("/api/console/signups/abc/checkin", new { }), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await organiser.PostAsJsonAsync("/api/console/signups/0/checkin", new { }), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await organiser.PostAsJsonAsync("/api/console/signups/999999999/checkin", new { }), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await organiser.PostAsync("/api/console/signups/1/checkin", new StringContent("{", System.Text.Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest);
        using var viewer = await app.StaffAsync("viewer", unit: null);
        await ProblemAssert.IsProblemAsync(await viewer.PostAsJsonAsync("/api/console/signups/1/checkin", new { }), HttpStatusCode.Forbidden);
        using var anonymous = app.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/console/event-day")).StatusCode);
    }
}
