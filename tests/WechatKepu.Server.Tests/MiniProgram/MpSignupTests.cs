using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WechatKepu.Server.Features.MiniProgram;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.MiniProgram;

public sealed class MpSignupTests(KepuApp app) : IClassFixture<KepuApp>
{
    private Task<long> CountSignupsAsync(long sessionId) => app.ScalarAsync<long>($"SELECT count(*) FROM signups WHERE session_id = {sessionId}");

    [Fact]
    public async Task Signup_is_confirmed_while_places_last_and_the_session_shows_it()
    {
        var session = await Sessions.CreateAsync(app, capacity: 3, waitlist: 2);
        var (parent, kids) = await Parent.ReadyAsync(app, children: 2);
        var result = await parent.SignUpOkAsync(session, kids[0].Id, kids[1].Id);
        Assert.Equal("confirmed", result.Outcome);
        Assert.Equal(2, result.Signups.Count);
        Assert.All(result.Signups, s => Assert.StartsWith("KP-", s.CheckinCode));
        var view = await parent.SessionAsync(session);
        Assert.Equal(1, view.PlacesLeft);
        Assert.Equal(2, view.MyStatus!.Count);
        Assert.All(view.MyStatus, m => Assert.Equal("confirmed", m.Status));
    }

    [Fact]
    public async Task Signup_is_waitlisted_with_a_position_when_the_session_is_full()
    {
        var session = await Sessions.CreateAsync(app, capacity: 1, waitlist: 3);
        var (first, a) = await Parent.ReadyAsync(app);
        var (second, b) = await Parent.ReadyAsync(app);
        var (third, c) = await Parent.ReadyAsync(app);
        Assert.Equal("confirmed", (await first.SignUpOkAsync(session, a[0].Id)).Outcome);
        var w1 = await second.SignUpOkAsync(session, b[0].Id);
        var w2 = await third.SignUpOkAsync(session, c[0].Id);
        Assert.Equal("waitlisted", w1.Outcome);
        Assert.Equal(1, w1.Signups[0].WaitlistPosition);
        Assert.Equal(2, w2.Signups[0].WaitlistPosition);
        Assert.Null(w1.Signups[0].CheckinCode);
        var view = await third.SessionAsync(session);
        Assert.Equal(0, view.PlacesLeft);
        Assert.Equal(2, view.WaitlistLength);
    }

    [Fact]
    public async Task The_signup_answer_is_what_the_parents_list_shows_afterwards()
    {
        // The answer is built from the claim's result, not read back: it must match a later read exactly.
        var session = await Sessions.CreateAsync(app, capacity: 2, waitlist: 5);
        var (other, o) = await Parent.ReadyAsync(app);
        var (parent, kids) = await Parent.ReadyAsync(app, children: 3);
        var confirmed = await parent.SignUpOkAsync(session, kids[1].Id, kids[0].Id);
        Assert.Equal("waitlisted", (await other.SignUpOkAsync(session, o[0].Id)).Outcome);
        var waitlisted = await parent.SignUpOkAsync(session, kids[2].Id);

        Assert.Equal(2, waitlisted.Signups[0].WaitlistPosition);
        var list = await parent.SignupsAsync();
        foreach (var answered in confirmed.Signups.Concat(waitlisted.Signups))
        {
            Assert.Equal(list.Single(s => s.Id == answered.Id), answered);
        }

        Assert.Equal([kids[1].Name, kids[0].Name], confirmed.Signups.Select(s => s.ChildName)); // in the order asked
    }

    [Fact]
    public async Task A_signup_succeeds_after_the_kept_batch_connection_died_while_idle()
    {
        // The claim batcher keeps its connection between bursts; a database restart kills it while idle.
        var session = await Sessions.CreateAsync(app, capacity: 5, waitlist: 0);
        var (first, a) = await Parent.ReadyAsync(app);
        Assert.Equal("confirmed", (await first.SignUpOkAsync(session, a[0].Id)).Outcome);
        var killed = await app.ScalarAsync<long>(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity " +
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%signup_claim_batch%'");
        Assert.True(killed >= 1);

        var (second, b) = await Parent.ReadyAsync(app);
        Assert.Equal("confirmed", (await second.SignUpOkAsync(session, b[0].Id)).Outcome);
    }

    [Fact]
    public async Task A_party_is_signed_up_all_or_nothing()
    {
        var session = await Sessions.CreateAsync(app, capacity: 1, waitlist: 5);
        var (parent, kids) = await Parent.ReadyAsync(app, children: 2);
        var result = await parent.SignUpOkAsync(session, kids[0].Id, kids[1].Id);
        Assert.Equal("waitlisted", result.Outcome);
        Assert.All(result.Signups, s => Assert.Equal(1, s.WaitlistPosition));
        Assert.Equal(1, (await parent.SessionAsync(session)).PlacesLeft);
    }

    [Fact]
    public async Task Signup_is_refused_when_places_and_waiting_list_are_both_full()
    {
        var session = await Sessions.CreateAsync(app, capacity: 1, waitlist: 0);
        var (first, a) = await Parent.ReadyAsync(app);
        var (second, b) = await Parent.ReadyAsync(app);
        await first.SignUpOkAsync(session, a[0].Id);
        var json = await ProblemAssert.IsProblemAsync(await second.SignUpAsync(session, b[0].Id), HttpStatusCode.Conflict, "session_full");
        Assert.Equal("名额已满", json.GetProperty("title").GetString());
        Assert.Equal(1, await CountSignupsAsync(session));
    }

    [Fact]
    public async Task The_same_child_cannot_sign_up_twice_for_a_session()
    {
        var session = await Sessions.CreateAsync(app, capacity: 5, waitlist: 0);
        var (parent, kids) = await Parent.ReadyAsync(app);
        await parent.SignUpOkAsync(session, kids[0].Id);
        var json = await ProblemAssert.IsProblemAsync(await parent.SignUpAsync(session, kids[0].Id), HttpStatusCode.Conflict, "already_signed_up");
        Assert.Contains("孩子1", json.GetProperty("detail").GetString());
        Assert.Equal(1, await CountSignupsAsync(session));
    }

    [Fact]
    public async Task Grade_outside_the_sessions_range_is_refused()
    {
        var session = await Sessions.CreateAsync(app, capacity: 5, waitlist: 0, minGrade: 4, maxGrade: 6);
        var (parent, kids) = await Parent.ReadyAsync(app, grade: "三年级");
        await ProblemAssert.IsProblemAsync(await parent.SignUpAsync(session, kids[0].Id), HttpStatusCode.Conflict, "grade_out_of_range");
        var older = await parent.AddChildAsync("姐姐", "五年级");
        Assert.Equal("confirmed", (await parent.SignUpOkAsync(session, older.Id)).Outcome);
    }

    [Fact]
    public async Task Signups_outside_the_window_are_refused()
    {
        var notYet = await Sessions.CreateAsync(app, capacity: 5, waitlist: 0, opensIn: TimeSpan.FromDays(2));
        var closed = await Sessions.CreateAsync(app, capacity: 5, waitlist: 0, startsIn: TimeSpan.FromHours(6));
        var (parent, kids) = await Parent.ReadyAsync(app);
        await ProblemAssert.IsProblemAsync(await parent.SignUpAsync(notYet, kids[0].Id), HttpStatusCode.Conflict, "signup_not_open");
        await ProblemAssert.IsProblemAsync(await parent.SignUpAsync(closed, kids[0].Id), HttpStatusCode.Conflict, "signup_closed");
        Assert.Equal(0, await CountSignupsAsync(notYet) + await CountSignupsAsync(closed));
    }

    [Fact]
    public async Task Cancelled_sessions_and_unknown_sessions_are_refused()
    {
        var session = await Sessions.CreateAsync(app, capacity: 5, waitlist: 0);
        await using (var conn = await app.OpenAsync())
        {
            await using var cmd = new Npgsql.NpgsqlCommand($"UPDATE sessions SET status = 'cancelled' WHERE id = {session}", conn);
            await cmd.ExecuteNonQueryAsync();
        }

        var (parent, kids) = await Parent.ReadyAsync(app);
        await ProblemAssert.IsProblemAsync(await parent.SignUpAsync(session, kids[0].Id), HttpStatusCode.Conflict, "session_cancelled");
        await ProblemAssert.IsProblemAsync(await parent.SignUpAsync(99_999_999, kids[0].Id), HttpStatusCode.NotFound, "session_not_found");
    }

    [Fact]
    public async Task Another_parents_child_cannot_be_signed_up()
    {
        var session = await Sessions.CreateAsync(app, capacity: 5, waitlist: 0);
        var (_, theirs) = await Parent.ReadyAsync(app);
        var (parent, mine) = await Parent.ReadyAsync(app);
        await ProblemAssert.IsProblemAsync(await parent.SignUpAsync(session, mine[0].Id, theirs[0].Id), HttpStatusCode.NotFound, "child_not_found");
        Assert.Equal(0, await CountSignupsAsync(session));
    }

    [Fact]
    public async Task Signing_up_needs_consent_and_a_guardian_profile()
    {
        var session = await Sessions.CreateAsync(app, capacity: 5, waitlist: 0);
        var parent = await Parent.LoginAsync(app);
        await ProblemAssert.IsProblemAsync(await parent.SignUpAsync(session, 1), HttpStatusCode.Forbidden, "consent_required");
        await parent.ConsentAsync();
        var child = await parent.AddChildAsync("小明");
        await ProblemAssert.IsProblemAsync(await parent.SignUpAsync(session, child.Id), HttpStatusCode.BadRequest, "profile_required");
        Assert.Equal(0, await CountSignupsAsync(session));
    }

    [Fact]
    public async Task A_guardian_holds_at_most_ten_active_signups()
    {
        var (parent, kids) = await Parent.ReadyAsync(app, children: 5);
        var ids = kids.Select(k => k.Id).ToArray();
        var s1 = await Sessions.CreateAsync(app, capacity: 10, waitlist: 0);
        var s2 = await Sessions.CreateAsync(app, capacity: 10, waitlist: 0);
        var s3 = await Sessions.CreateAsync(app, capacity: 10, waitlist: 0);
        await parent.SignUpOkAsync(s1, ids);
        await parent.SignUpOkAsync(s2, ids);
        await ProblemAssert.IsProblemAsync(await parent.SignUpAsync(s3, ids[0]), HttpStatusCode.Conflict, "guardian_limit");
    }

    [Theory]
    [InlineData("{\"childIds\":[]}")]
    [InlineData("{}")]
    [InlineData("{\"childIds\":[1,1]}")]
    [InlineData("{\"childIds\":[-3]}")]
    [InlineData("{\"childIds\":[1,2,3,4,5,6]}")]
    public async Task Bad_child_lists_are_400_naming_childIds(string body)
    {
        var session = await Sessions.CreateAsync(app, capacity: 5, waitlist: 0);
        var (parent, _) = await Parent.ReadyAsync(app);
        var response = await parent.Http.PostAsync($"/api/mp/sessions/{session}/signups",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await ProblemAssert.NamesParameterAsync(response, "childIds");
    }

    [Theory]
    [InlineData("{\"childIds\":\"1\"}")]
    [InlineData("{\"childIds\":[\"x\"]}")]
    [InlineData("{\"childIds\":[1.5]}")]
    [InlineData("{\"childIds\":[99999999999999999999]}")]
    public async Task Wrongly_typed_bodies_are_400(string body)
    {
        var session = await Sessions.CreateAsync(app, capacity: 5, waitlist: 0);
        var (parent, _) = await Parent.ReadyAsync(app);
        var response = await parent.Http.PostAsync($"/api/mp/sessions/{session}/signups",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Sessions_list_shows_places_and_my_status_only_to_the_signed_in_parent()
    {
        var session = await Sessions.CreateAsync(app, capacity: 4, waitlist: 0);
        var (parent, kids) = await Parent.ReadyAsync(app);
        await parent.SignUpOkAsync(session, kids[0].Id);
        var mine = (await parent.Http.GetFromJsonAsync<MpSessionPageDto>("/api/mp/sessions?pageSize=100", KepuApp.Json))!;
        var row = Assert.Single(mine.Items, s => s.Id == session);
        Assert.Equal(3, row.PlacesLeft);
        Assert.Single(row.MyStatus!);

        using var anonymous = app.CreateClient();
        var open = (await anonymous.GetFromJsonAsync<MpSessionPageDto>("/api/mp/sessions?pageSize=100", KepuApp.Json))!;
        Assert.Null(Assert.Single(open.Items, s => s.Id == session).MyStatus);
        await ProblemAssert.NamesParameterAsync(await anonymous.GetAsync("/api/mp/sessions?from=yesterday"), "from");
        await ProblemAssert.NamesParameterAsync(await anonymous.GetAsync("/api/mp/sessions?activityId=x"), "activityId");
        await ProblemAssert.IsProblemAsync(await anonymous.GetAsync("/api/mp/sessions/99999999"), HttpStatusCode.NotFound, "session_not_found");
    }

    [Fact]
    public async Task Sessions_list_pages_forward_with_has_more_instead_of_a_total()
    {
        // Three sessions further out than any other test's, so "from" leaves only them.
        var ids = new List<long>();
        foreach (var days in new[] { 1002, 1000, 1001 })
        {
            ids.Add(await Sessions.CreateAsync(app, capacity: 4, waitlist: 0, startsIn: TimeSpan.FromDays(days)));
        }

        var activity = await app.ScalarAsync<long>("SELECT id FROM activities WHERE code = '5.1.2'");
        var from = Uri.EscapeDataString(app.Clock.GetUtcNow().AddDays(999).ToString("O"));
        using var anonymous = app.CreateClient();
        var first = await anonymous.GetStringAsync($"/api/mp/sessions?from={from}&pageSize=2");
        using (var json = JsonDocument.Parse(first))
        {
            Assert.False(json.RootElement.TryGetProperty("total", out _));
            Assert.True(json.RootElement.GetProperty("hasMore").GetBoolean());
        }

        var one = (await anonymous.GetFromJsonAsync<MpSessionPageDto>($"/api/mp/sessions?from={from}&pageSize=2", KepuApp.Json))!;
        var two = (await anonymous.GetFromJsonAsync<MpSessionPageDto>($"/api/mp/sessions?from={from}&pageSize=2&page=2", KepuApp.Json))!;
        Assert.Equal([ids[1], ids[2], ids[0]], one.Items.Concat(two.Items).Select(s => s.Id));
        Assert.True(one.HasMore);
        Assert.False(two.HasMore);
        var exact = (await anonymous.GetFromJsonAsync<MpSessionPageDto>($"/api/mp/sessions?from={from}&pageSize=3&activityId={activity}", KepuApp.Json))!;
        Assert.Equal(3, exact.Items.Count);
        Assert.False(exact.HasMore);
        var past = (await anonymous.GetFromJsonAsync<MpSessionPageDto>($"/api/mp/sessions?from={from}&pageSize=2&page=3", KepuApp.Json))!;
        Assert.Empty(past.Items);
        Assert.False(past.HasMore);

        await ProblemAssert.NamesParameterAsync(await anonymous.GetAsync("/api/mp/sessions?page=0"), "page");
        await ProblemAssert.NamesParameterAsync(await anonymous.GetAsync("/api/mp/sessions?pageSize=101"), "pageSize");
        await ProblemAssert.NamesParameterAsync(await anonymous.GetAsync("/api/mp/sessions?page=abc"), "page");
    }
}
