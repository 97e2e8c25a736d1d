using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClosedXML.Excel;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Console;

public sealed class ConsoleSessionsTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    private async Task<long> CreateSessionAsync(HttpClient staff, int capacity = 2, int waitlist = 5)
    {
        var activity = await app.ActivityIdAsync();
        var created = await (await staff.PostAsJsonAsync($"/api/console/activities/{activity}/sessions",
            ConsoleHttp.Session(app.Clock.GetUtcNow().AddDays(10), capacity, waitlist))).JsonAsync(HttpStatusCode.Created);
        return created.GetProperty("id").GetInt64();
    }

    [Fact]
    public async Task Organiser_creates_a_session_parents_see_it_and_the_audit_log_records_it()
    {
        using var organiser = await app.StaffAsync("organiser");
        var id = await CreateSessionAsync(organiser, capacity: 30);
        var (parent, _) = await Parent.ReadyAsync(app);
        var session = await parent.SessionAsync(id);
        Assert.Equal("控制台场次", session.Title);
        Assert.Equal(30, session.PlacesLeft);

        using var admin = await app.StaffAsync("admin", unit: null);
        var audit = await (await admin.GetAsync("/api/console/audit?action=session.create")).JsonAsync();
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("target").GetString() == $"session:{id}" && e.GetProperty("staffName").GetString() == "测试员");
        var activities = await (await organiser.GetAsync("/api/console/activities?mine=true")).JsonAsync();
        Assert.Contains(activities.GetProperty("items").EnumerateArray(), a => a.GetProperty("code").GetString() == "5.1.2");
        Assert.Contains(await app.ActivityIdAsync(), activities.GetProperty("editable").EnumerateArray().Select(e => e.GetInt64()));
    }

    [Fact]
    public async Task Bad_session_input_is_a_validation_problem_naming_the_fields_and_writes_nothing()
    {
        using var organiser = await app.StaffAsync("organiser");
        var activity = await app.ActivityIdAsync();
        var before = await app.ScalarAsync<long>("SELECT count(*) FROM sessions");
        var starts = app.Clock.GetUtcNow().AddDays(5);
        var response = await organiser.PostAsJsonAsync($"/api/console/activities/{activity}/sessions", new
        {
            title = "", startsAt = starts, endsAt = starts.AddHours(-1), venue = "", capacity = -1, waitlistCapacity = -2,
            signupOpensAt = starts, signupClosesAt = starts.AddDays(-1), minGrade = 5, maxGrade = 2, status = "cancelled",
        });
        var json = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation");
        foreach (var field in new[] { "title", "endsAt", "venue", "capacity", "waitlistCapacity", "signupClosesAt", "maxGrade", "status" })
        {
            Assert.True(json.GetProperty("errors").TryGetProperty(field, out _), field);
        }

        await ProblemAssert.IsProblemAsync(await organiser.PostAsJsonAsync($"/api/console/activities/{activity}/sessions",
            new { title = "x", startsAt = "not a date" }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await organiser.PostAsJsonAsync("/api/console/activities/999999/sessions",
            ConsoleHttp.Session(starts)), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await organiser.PutAsJsonAsync("/api/console/sessions/999999", ConsoleHttp.Session(starts)), HttpStatusCode.NotFound);
        Assert.Equal(before, await app.ScalarAsync<long>("SELECT count(*) FROM sessions"));
    }

    [Fact]
    public async Task A_session_starting_in_the_past_is_refused_for_its_start_time_not_the_signup_window()
    {
        using var organiser = await app.StaffAsync("organiser");
        var activity = await app.ActivityIdAsync();
        var starts = app.Clock.GetUtcNow().AddDays(-1);
        var response = await organiser.PostAsJsonAsync($"/api/console/activities/{activity}/sessions",
            new { title = "过去的场次", venue = "柳州科技馆", startsAt = starts, endsAt = starts.AddHours(2), capacity = 10 });
        var errors = (await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation")).GetProperty("errors");
        Assert.Contains("已经过去", errors.GetProperty("startsAt")[0].GetString());
        Assert.False(errors.TryGetProperty("signupClosesAt", out _), errors.ToString());
        Assert.Equal(0L, await app.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE title = '过去的场次'"));
    }

    [Fact]
    public async Task An_organiser_cannot_touch_another_units_activity()
    {
        using var mine = await app.StaffAsync("organiser");
        var id = await CreateSessionAsync(mine);
        using var other = await app.StaffAsync("organiser", ConsoleApp.OtherUnit);
        var activity = await app.ActivityIdAsync();
        var starts = app.Clock.GetUtcNow().AddDays(10);
        await ProblemAssert.IsProblemAsync(await other.PostAsJsonAsync($"/api/console/activities/{activity}/sessions", ConsoleHttp.Session(starts)),
            HttpStatusCode.Forbidden, "not_your_unit");
        await ProblemAssert.IsProblemAsync(await other.PutAsJsonAsync($"/api/console/sessions/{id}", ConsoleHttp.Session(starts, capacity: 99)),
            HttpStatusCode.Forbidden, "not_your_unit");
        await ProblemAssert.IsProblemAsync(await other.PostAsJsonAsync($"/api/console/sessions/{id}/cancel", new { reason = "x" }),
            HttpStatusCode.Forbidden, "not_your_unit");
        await ProblemAssert.IsProblemAsync(await other.GetAsync($"/api/console/sessions/{id}/signups"), HttpStatusCode.Forbidden, "not_your_unit");
        await ProblemAssert.IsProblemAsync(await other.GetAsync($"/api/console/sessions/{id}/export.xlsx"), HttpStatusCode.Forbidden, "not_your_unit");
        await ProblemAssert.IsProblemAsync(await other.GetAsync($"/api/console/activities/{activity}/export.xlsx"), HttpStatusCode.Forbidden, "not_your_unit");
        Assert.Equal(2, await app.ScalarAsync<int>($"SELECT capacity FROM sessions WHERE id = {id}"));
        Assert.Equal("open", await app.ScalarAsync<string>($"SELECT status FROM sessions WHERE id = {id}"));
    }

    [Fact]
    public async Task Raising_capacity_promotes_the_waiting_list_in_order_and_lowering_below_confirmed_is_refused()
    {
        using var organiser = await app.StaffAsync("organiser");
        var id = await CreateSessionAsync(organiser, capacity: 1, waitlist: 5);
        var parents = new List<(Parent Parent, long Child)>();
        for (var i = 0; i < 3; i++)
        {
            var (p, children) = await Parent.ReadyAsync(app);
            await p.SignUpOkAsync(id, children[0].Id);
            parents.Add((p, children[0].Id));
        }

        var starts = app.Clock.GetUtcNow().AddDays(10);
        var change = await (await organiser.PutAsJsonAsync($"/api/console/sessions/{id}", ConsoleHttp.Session(starts, capacity: 2, waitlist: 5))).JsonAsync();
        Assert.Single(change.GetProperty("promoted").EnumerateArray());
        Assert.Equal("confirmed", (await parents[1].Parent.SignupsAsync())[0].Status);
        Assert.Equal("waitlisted", (await parents[2].Parent.SignupsAsync())[0].Status);

        await ProblemAssert.IsProblemAsync(await organiser.PutAsJsonAsync($"/api/console/sessions/{id}", ConsoleHttp.Session(starts, capacity: 1)),
            HttpStatusCode.Conflict, "capacity_below_confirmed");
        await ProblemAssert.IsProblemAsync(await organiser.PutAsJsonAsync($"/api/console/sessions/{id}", ConsoleHttp.Session(starts, capacity: 2, waitlist: 0)),
            HttpStatusCode.Conflict, "waitlist_below_waiting");
        Assert.Equal(5, await app.ScalarAsync<int>($"SELECT waitlist_capacity FROM sessions WHERE id = {id}"));

        // Moving the session two days later keeps every sign-up.
        var moved = await (await organiser.PutAsJsonAsync($"/api/console/sessions/{id}", ConsoleHttp.Session(starts.AddDays(2), capacity: 2))).JsonAsync();
        Assert.Equal(starts.AddDays(2), moved.GetProperty("session").GetProperty("startsAt").GetDateTimeOffset());
        Assert.Equal(2, await app.ScalarAsync<int>($"SELECT confirmed_count FROM sessions WHERE id = {id}"));

        var events = await (await organiser.GetAsync($"/api/console/sessions/{id}/events")).JsonAsync();
        Assert.Contains(events.EnumerateArray(), e => e.GetProperty("kind").GetString() == "promoted");
    }

    [Fact]
    public async Task Cancelling_a_session_cancels_its_signups_with_session_cancelled_events_once()
    {
        using var organiser = await app.StaffAsync("organiser");
        var id = await CreateSessionAsync(organiser, capacity: 1, waitlist: 2);
        for (var i = 0; i < 2; i++)
        {
            var (p, children) = await Parent.ReadyAsync(app);
            await p.SignUpOkAsync(id, children[0].Id);
        }

        var result = await (await organiser.PostAsJsonAsync($"/api/console/sessions/{id}/cancel", new { reason = "台风" })).JsonAsync();
        Assert.Equal(2, result.GetProperty("cancelled").GetInt32());
        Assert.Equal("cancelled", result.GetProperty("session").GetProperty("status").GetString());
        Assert.Equal(0, await app.ScalarAsync<long>($"SELECT count(*) FROM signups WHERE session_id = {id} AND status <> 'cancelled'"));
        Assert.Equal(2, await app.ScalarAsync<long>($"SELECT count(*) FROM signup_events WHERE session_id = {id} AND kind = 'session_cancelled' AND notified_at IS NULL"));
        Assert.Equal(0, await app.ScalarAsync<int>($"SELECT confirmed_count + waitlist_count FROM sessions WHERE id = {id}"));

        await ProblemAssert.IsProblemAsync(await organiser.PostAsJsonAsync($"/api/console/sessions/{id}/cancel", new { reason = "again" }),
            HttpStatusCode.Conflict, "session_cancelled");
        await ProblemAssert.IsProblemAsync(await organiser.PutAsJsonAsync($"/api/console/sessions/{id}", ConsoleHttp.Session(app.Clock.GetUtcNow().AddDays(3))),
            HttpStatusCode.Conflict, "session_cancelled");
        Assert.Equal(2, await app.ScalarAsync<long>($"SELECT count(*) FROM signup_events WHERE session_id = {id} AND kind = 'session_cancelled'"));
    }

    [Fact]
    public async Task A_rotated_check_in_key_signs_new_codes_and_still_accepts_codes_under_the_previous_key()
    {
        using var organiser = await app.StaffAsync("organiser");
        var id = await CreateSessionAsync(organiser, capacity: 3, waitlist: 0);
        var parents = new List<Parent>();
        for (var i = 0; i < 3; i++)
        {
            var (parent, children) = await Parent.ReadyAsync(app);
            await parent.SignUpOkAsync(id, children[0].Id);
            parents.Add(parent);
        }

        async Task<string> CodeAsync(Parent p) => (await p.SignupsAsync())[0].CheckinCode!;
        async Task<string?> CheckInAsync(string code)
        {
            // The session is in ten days: confirm past the "not today" question, which is not what this test is about.
            var response = await organiser.PostAsJsonAsync("/api/console/checkin", new { code, confirm = true });
            var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            return json.TryGetProperty("outcome", out var outcome) ? outcome.GetString() : json.GetProperty("code").GetString();
        }

        var before = new List<string>();
        foreach (var p in parents)
        {
            before.Add(await CodeAsync(p));
        }

        var secrets = app.Services.GetRequiredService<WechatKepu.Data.Parents.SecretStore>();
        await secrets.RotateAsync(WechatKepu.Server.Features.MiniProgram.CheckinCodes.KeyName);
        app.Clock.Advance(TimeSpan.FromSeconds(61));
        var after = await CodeAsync(parents[0]);
        Assert.NotEqual(before[0], after);
        Assert.Equal("checked_in", await CheckInAsync(after));
        Assert.Equal("checked_in", await CheckInAsync(before[1]));

        // Two rotations on, a code of the first key is refused.
        await secrets.RotateAsync(WechatKepu.Server.Features.MiniProgram.CheckinCodes.KeyName);
        app.Clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal("bad_code", await CheckInAsync(before[2]));
        Assert.Equal("checked_in", await CheckInAsync(await CodeAsync(parents[2])));
    }

    [Fact]
    public async Task Signups_show_masked_phones_except_to_admins_and_check_in_says_when_a_second_scan_was_first()
    {
        using var organiser = await app.StaffAsync("organiser");
        var id = await CreateSessionAsync(organiser, capacity: 1, waitlist: 2);
        var (first, firstChildren) = await Parent.ReadyAsync(app);
        await first.SignUpOkAsync(id, firstChildren[0].Id);
        var (second, secondChildren) = await Parent.ReadyAsync(app);
        await second.SignUpOkAsync(id, secondChildren[0].Id);

        var list = await (await organiser.GetAsync($"/api/console/sessions/{id}/signups")).JsonAsync();
        Assert.Equal(2, list.GetArrayLength());
        Assert.All(list.EnumerateArray(), s => Assert.Equal("138****8000", s.GetProperty("phone").GetString()));
        Assert.Equal("waitlisted", list[1].GetProperty("status").GetString());
        Assert.Equal(1, list[1].GetProperty("waitlistPosition").GetInt32());
        using var admin = await app.StaffAsync("admin", unit: null);
        var full = await (await admin.GetAsync($"/api/console/sessions/{id}/signups")).JsonAsync();
        Assert.Equal("13800138000", full[0].GetProperty("phone").GetString());

        var code = (await first.SignupsAsync())[0].CheckinCode!;
        // The session is in ten days: the scan warns and changes nothing until staff confirm (issue 19.8).
        var early = await (await organiser.PostAsJsonAsync("/api/console/checkin", new { code })).JsonAsync();
        Assert.Equal("not_today", early.GetProperty("outcome").GetString());
        Assert.Contains("不是今天", early.GetProperty("message").GetString());
        Assert.Equal("confirmed", early.GetProperty("signup").GetProperty("status").GetString());
        Assert.Equal("confirmed", (await first.SignupsAsync())[0].Status);
        Assert.Equal(0L, await app.ScalarAsync<long>($"SELECT count(*) FROM signup_events WHERE session_id = {id} AND kind = 'checked_in'"));
        var checkin = await (await organiser.PostAsJsonAsync("/api/console/checkin", new { code = code.ToLowerInvariant(), confirm = true })).JsonAsync();
        Assert.Equal("checked_in", checkin.GetProperty("outcome").GetString());
        app.Clock.Advance(TimeSpan.FromMinutes(7));
        var again = await (await organiser.PostAsJsonAsync("/api/console/checkin", new { code })).JsonAsync();
        Assert.Equal("already_checked_in", again.GetProperty("outcome").GetString());
        Assert.Equal(checkin.GetProperty("signup").GetProperty("checkedInAt").GetDateTimeOffset(), again.GetProperty("signup").GetProperty("checkedInAt").GetDateTimeOffset());
        Assert.Contains("已于", again.GetProperty("message").GetString());
        Assert.Equal("checked_in", (await first.SignupsAsync())[0].Status);
        Assert.Equal(1, await app.ScalarAsync<long>($"SELECT count(*) FROM signup_events WHERE session_id = {id} AND kind = 'checked_in'"));
        // A checked-in child keeps the place: nobody is promoted.
        Assert.Equal(1, await app.ScalarAsync<int>($"SELECT confirmed_count FROM sessions WHERE id = {id}"));

        await ProblemAssert.NamesParameterAsync(await organiser.PostAsJsonAsync("/api/console/checkin", new { code = "" }), "code");
        var forged = code[..^2] + (code[^1] == 'A' ? "BB" : "AA");
        await ProblemAssert.IsProblemAsync(await organiser.PostAsJsonAsync("/api/console/checkin", new { code = forged }), HttpStatusCode.BadRequest, "bad_code");
        using var other = await app.StaffAsync("organiser", ConsoleApp.OtherUnit);
        await ProblemAssert.IsProblemAsync(await other.PostAsJsonAsync("/api/console/checkin", new { code }), HttpStatusCode.Forbidden, "not_your_unit");
    }

    [Fact]
    public async Task Check_in_on_the_day_of_the_session_needs_no_confirmation()
    {
        using var organiser = await app.StaffAsync("organiser");
        var activity = await app.ActivityIdAsync();
        // Today 09:00 Shanghai on the test clock; the session is this afternoon.
        var starts = app.Clock.GetUtcNow().AddHours(5);
        var id = (await (await organiser.PostAsJsonAsync($"/api/console/activities/{activity}/sessions", new
        {
            title = "今天下午的场次", venue = "柳州科技馆", startsAt = starts, endsAt = starts.AddHours(2), capacity = 5,
        })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var (parent, children) = await Parent.ReadyAsync(app);
        await parent.SignUpOkAsync(id, children[0].Id);
        var code = (await parent.SignupsAsync())[0].CheckinCode!;
        var checkin = await (await organiser.PostAsJsonAsync("/api/console/checkin", new { code })).JsonAsync();
        Assert.Equal("checked_in", checkin.GetProperty("outcome").GetString());

        // A session running over several days (began yesterday, ends tomorrow) is "today" on each of them.
        var (other, kids) = await Parent.ReadyAsync(app);
        await other.SignUpOkAsync(id, kids[0].Id);
        await using (var conn = await app.OpenAsync())
        {
            await Dapper.SqlMapper.ExecuteAsync(conn, "UPDATE sessions SET starts_at = @from, ends_at = @to WHERE id = @id",
                new { id, from = app.Clock.GetUtcNow().AddDays(-1).UtcDateTime, to = app.Clock.GetUtcNow().AddDays(1).UtcDateTime });
        }

        var multiDay = await (await organiser.PostAsJsonAsync("/api/console/checkin", new { code = (await other.SignupsAsync())[0].CheckinCode })).JsonAsync();
        Assert.Equal("checked_in", multiDay.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Export_is_a_valid_xlsx_with_shanghai_times_masked_phones_and_an_audit_entry()
    {
        using var organiser = await app.StaffAsync("organiser");
        var id = await CreateSessionAsync(organiser, capacity: 5);
        var (parent, children) = await Parent.ReadyAsync(app, children: 2);
        // A third child registered by birth month and gender, without a grade (issue 19.19: its row had a blank 年级 and nothing else).
        var byBirth = await (await parent.Http.PostAsJsonAsync("/api/mp/children",
            new { name = "孩子3", birthYearMonth = "2019-03", gender = "female", school = "柳州市东环路小学" })).JsonAsync(HttpStatusCode.Created);
        await parent.SignUpOkAsync(id, children[0].Id, children[1].Id, byBirth.GetProperty("id").GetInt64());

        var response = await organiser.GetAsync($"/api/console/sessions/{id}/export.xlsx");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType?.MediaType);
        using var book = new XLWorkbook(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        var sheet = book.Worksheet(1);
        Assert.Equal("儿童姓名", sheet.Cell(1, 4).GetString());
        Assert.Equal(new[] { "年级", "出生年月", "性别" }, new[] { sheet.Cell(1, 5).GetString(), sheet.Cell(1, 6).GetString(), sheet.Cell(1, 7).GetString() });
        Assert.Equal(4, sheet.LastRowUsed().RowNumber());
        Assert.Equal(new[] { "孩子1", "孩子2", "孩子3" }, new[] { sheet.Cell(2, 4).GetString(), sheet.Cell(3, 4).GetString(), sheet.Cell(4, 4).GetString() });
        Assert.Equal(new[] { "三年级", "", "" }, new[] { sheet.Cell(2, 5).GetString(), sheet.Cell(2, 6).GetString(), sheet.Cell(2, 7).GetString() });
        Assert.Equal(new[] { "", "2019-03", "女" }, new[] { sheet.Cell(4, 5).GetString(), sheet.Cell(4, 6).GetString(), sheet.Cell(4, 7).GetString() });
        Assert.Equal("138****8000", sheet.Cell(2, 10).GetString());
        Assert.Equal("已确认", sheet.Cell(2, 11).GetString());
        var startsLocal = WechatKepu.Data.Shanghai.ToShanghai(app.Clock.GetUtcNow().AddDays(10)).DateTime;
        Assert.Equal(startsLocal, sheet.Cell(2, 3).GetDateTime(), TimeSpan.FromSeconds(1));

        using var admin = await app.StaffAsync("admin", unit: null);
        var activity = await app.ActivityIdAsync();
        using var all = new XLWorkbook(new MemoryStream(await (await admin.GetAsync($"/api/console/activities/{activity}/export.xlsx")).Content.ReadAsByteArrayAsync()));
        Assert.Contains(all.Worksheet(1).RowsUsed().Skip(1), r => r.Cell(10).GetString() == "13800138000");

        var audit = await (await admin.GetAsync("/api/console/audit?action=export.")).JsonAsync();
        var entry = audit.EnumerateArray().First(e => e.GetProperty("target").GetString() == $"session:{id}");
        Assert.Equal(3, entry.GetProperty("detail").GetProperty("rows").GetInt32());
        Assert.False(entry.GetProperty("detail").GetProperty("fullPhones").GetBoolean());
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("target").GetString() == $"activity:{activity}");
    }

    [Fact]
    public async Task Activity_export_lists_every_session_in_start_order_with_dates_as_dates_and_text_as_text()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var activity = await app.ActivityIdAsync("5.1.1");
        var starts = app.Clock.GetUtcNow().AddDays(12);
        async Task<long> SessionAsync(DateTimeOffset at, string title, int capacity) =>
            (await (await admin.PostAsJsonAsync($"/api/console/activities/{activity}/sessions", ConsoleHttp.Session(at, capacity, 5, title)))
                .JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var later = await SessionAsync(starts, "下午场", capacity: 1);
        var earlier = await SessionAsync(starts.AddDays(-1), "上午场", capacity: 5);
        var empty = await SessionAsync(starts.AddDays(1), "空场", capacity: 5);

        var (first, firstChildren) = await Parent.ReadyAsync(app);
        var (second, secondChildren) = await Parent.ReadyAsync(app);
        var (family, familyChildren) = await Parent.ReadyAsync(app, children: 2);
        await first.SignUpOkAsync(later, firstChildren[0].Id);
        await second.SignUpOkAsync(later, secondChildren[0].Id);
        await family.SignUpOkAsync(earlier, familyChildren[0].Id, familyChildren[1].Id);

        var response = await admin.GetAsync($"/api/console/activities/{activity}/export.xlsx");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith($"报名名单-活动{activity}-", response.Content.Headers.ContentDisposition?.FileNameStar);
        using var book = new XLWorkbook(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        var sheet = book.Worksheet("报名名单");
        Assert.Equal(
            ["活动", "场次", "开始时间", "儿童姓名", "年级", "出生年月", "性别", "学校", "监护人", "联系电话", "状态", "候补顺位", "报名时间", "转正时间", "签到时间"],
            Enumerable.Range(1, 15).Select(c => sheet.Cell(1, c).GetString()));
        Assert.Equal(1, sheet.SheetView.SplitRow);
        Assert.Equal(5, sheet.LastRowUsed().RowNumber());

        // The earlier session first, then the later one: its place, then its waiting list in order.
        Assert.Equal(["上午场", "上午场", "下午场", "下午场"], Enumerable.Range(2, 4).Select(r => sheet.Cell(r, 2).GetString()));
        Assert.Equal(["已确认", "已确认", "已确认", "候补中"], Enumerable.Range(2, 4).Select(r => sheet.Cell(r, 11).GetString()));
        Assert.Equal([familyChildren[0].Name, familyChildren[1].Name, firstChildren[0].Name, secondChildren[0].Name],
            Enumerable.Range(2, 4).Select(r => sheet.Cell(r, 4).GetString()));
        Assert.Equal(1, sheet.Cell(5, 12).GetValue<int>());
        Assert.True(sheet.Cell(4, 12).IsEmpty());
        Assert.Equal(XLDataType.DateTime, sheet.Cell(4, 3).DataType);
        Assert.Equal(WechatKepu.Data.Shanghai.ToShanghai(starts).DateTime, sheet.Cell(4, 3).GetDateTime(), TimeSpan.FromSeconds(1));
        Assert.Equal(WechatKepu.Data.Shanghai.ToShanghai(starts.AddDays(-1)).DateTime, sheet.Cell(2, 3).GetDateTime(), TimeSpan.FromSeconds(1));
        Assert.Equal(XLDataType.DateTime, sheet.Cell(2, 13).DataType);
        Assert.True(sheet.Cell(2, 15).IsEmpty());
        Assert.Equal(XLDataType.Text, sheet.Cell(2, 10).DataType);
        Assert.Equal("13800138000", sheet.Cell(2, 10).GetString());
        var title = await app.ScalarAsync<string>($"SELECT title FROM activities WHERE id = {activity}");
        Assert.All(Enumerable.Range(2, 4), r => Assert.Equal(title, sheet.Cell(r, 1).GetString()));

        // A session nobody signed up for: the header row alone, and the audit says so.
        using var none = new XLWorkbook(new MemoryStream(await (await admin.GetAsync($"/api/console/sessions/{empty}/export.xlsx")).Content.ReadAsByteArrayAsync()));
        Assert.Equal(1, none.Worksheet(1).LastRowUsed().RowNumber());
        Assert.Equal("签到时间", none.Worksheet(1).Cell(1, 15).GetString());
        var audit = await (await admin.GetAsync("/api/console/audit?action=export.")).JsonAsync();
        Assert.Equal(4, audit.EnumerateArray().First(e => e.GetProperty("target").GetString() == $"activity:{activity}").GetProperty("detail").GetProperty("rows").GetInt32());
        Assert.Equal(0, audit.EnumerateArray().First(e => e.GetProperty("target").GetString() == $"session:{empty}").GetProperty("detail").GetProperty("rows").GetInt32());
    }

    [Fact]
    public async Task Followers_list_filters_by_tag_and_subscription_and_rejects_bad_queries()
    {
        await using (var conn = await app.OpenAsync())
        {
            await Dapper.SqlMapper.ExecuteAsync(conn, """
                INSERT INTO followers (app_id, openid, subscribed, tag_ids) VALUES
                ('wxoatest000000001', 'o-f-1', true, '{100}'), ('wxoatest000000001', 'o-f-2', true, '{100,101}'),
                ('wxoatest000000001', 'o-f-3', false, '{}')
                """);
        }

        using var viewer = await app.StaffAsync("viewer", unit: null);
        var tagged = await (await viewer.GetAsync("/api/console/followers?tag=100&subscribed=true")).JsonAsync();
        Assert.Equal(2, tagged.GetProperty("total").GetInt64());
        Assert.Contains(tagged.GetProperty("tags").EnumerateArray(), t => t.GetProperty("id").GetInt32() == 101 && t.GetProperty("followers").GetInt64() == 1);
        var gone = await (await viewer.GetAsync("/api/console/followers?subscribed=false")).JsonAsync();
        Assert.Equal("o-f-3", gone.GetProperty("items")[0].GetProperty("openid").GetString());
        await ProblemAssert.NamesParameterAsync(await viewer.GetAsync("/api/console/followers?page=0"), "page");
        await ProblemAssert.NamesParameterAsync(await viewer.GetAsync("/api/console/followers?subscribed=maybe"), "subscribed");
    }

    [Fact]
    public async Task Dashboard_shows_upcoming_sessions_and_signup_counts()
    {
        using var organiser = await app.StaffAsync("organiser");
        var id = await CreateSessionAsync(organiser, capacity: 3);
        var (parent, children) = await Parent.ReadyAsync(app);
        await parent.SignUpOkAsync(id, children[0].Id);
        var dashboard = await (await organiser.GetAsync("/api/console/dashboard")).JsonAsync();
        var upcoming = dashboard.GetProperty("upcoming").EnumerateArray().Single(s => s.GetProperty("id").GetInt64() == id);
        Assert.Equal(1, upcoming.GetProperty("confirmedCount").GetInt32());
        Assert.True(dashboard.GetProperty("signupsToday").GetInt64() >= 1);
    }
}
