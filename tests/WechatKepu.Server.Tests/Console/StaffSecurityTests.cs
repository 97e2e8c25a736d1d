using System.Net;
using System.Net.Http.Json;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Console;

/// <summary>Staff sessions that end with the account's change, and the sign-in lockout under parallel guesses.</summary>
public sealed class StaffSecurityTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    private async Task<long> CreateAsync(HttpClient admin, string username, string password, string role = "organiser", string? unit = ConsoleApp.Unit)
    {
        var created = await admin.PostAsJsonAsync("/api/console/staff", new { username, displayName = "账号" + username[^1], role, unit, password });
        return (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();
    }

    private async Task<HttpClient> SignInAsync(string username, string password)
    {
        var browser = app.Anonymous();
        await browser.UseAntiforgeryAsync();
        await (await browser.PostAsJsonAsync("/api/console/login", new { username, password })).JsonAsync();
        await browser.UseAntiforgeryAsync();
        return browser;
    }

    private static object Edit(string displayName, string role = "organiser", string? unit = ConsoleApp.Unit, string? password = null, bool? disabled = null) =>
        new { displayName, role, unit, password, disabled };

    [Fact]
    public async Task Disabling_demoting_moving_or_a_new_password_ends_the_accounts_sessions_at_once()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var changes = new (string Name, object Edit)[]
        {
            ("sess.a", Edit("账号a", disabled: true)),
            ("sess.b", Edit("账号b", role: "viewer")),
            ("sess.c", Edit("账号c", unit: ConsoleApp.OtherUnit)),
            ("sess.d", Edit("账号d", password: "another-pass-2")),
        };
        foreach (var (name, edit) in changes)
        {
            var id = await CreateAsync(admin, name, "first-pass-1");
            using var staff = await SignInAsync(name, "first-pass-1");
            Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/api/console/me")).StatusCode);

            await (await admin.PutAsJsonAsync($"/api/console/staff/{id}", edit)).JsonAsync();
            await ProblemAssert.IsProblemAsync(await staff.GetAsync("/api/console/me"), HttpStatusCode.Unauthorized, "unauthenticated");
            await ProblemAssert.IsProblemAsync(await staff.PostAsJsonAsync("/api/console/checkin", new { code = "KP-1-AAAA" }),
                HttpStatusCode.Unauthorized, "unauthenticated");
        }

        // A change that grants nothing new (the display name) keeps the session.
        var keptId = await CreateAsync(admin, "sess.e", "first-pass-1");
        using var kept = await SignInAsync("sess.e", "first-pass-1");
        await (await admin.PutAsJsonAsync($"/api/console/staff/{keptId}", Edit("新名字"))).JsonAsync();
        Assert.Equal(HttpStatusCode.OK, (await kept.GetAsync("/api/console/me")).StatusCode);
    }

    [Fact]
    public async Task A_change_made_elsewhere_ends_the_session_on_the_next_write_and_within_a_minute_for_reads()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        await CreateAsync(admin, "else.a", "first-pass-1");
        using var staff = await SignInAsync("else.a", "first-pass-1");
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/api/console/me")).StatusCode);

        // As another instance would, straight in the database (its notification is not needed for this).
        await using (var conn = await app.OpenAsync())
        {
            await using var cmd = new Npgsql.NpgsqlCommand("UPDATE staff_accounts SET security_stamp = 'changed' WHERE username = 'else.a'", conn);
            await cmd.ExecuteNonQueryAsync();
        }

        await ProblemAssert.IsProblemAsync(await staff.PostAsJsonAsync("/api/console/checkin", new { code = "KP-1-AAAA" }),
            HttpStatusCode.Unauthorized, "unauthenticated");
        // The refused write also ended the cookie; a second browser of the same account finds out on a read within a minute.
        using var second = await SignInAsync("else.a", "first-pass-1");
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/console/me")).StatusCode);
        await using (var conn = await app.OpenAsync())
        {
            await using var cmd = new Npgsql.NpgsqlCommand("UPDATE staff_accounts SET disabled = true WHERE username = 'else.a'", conn);
            await cmd.ExecuteNonQueryAsync();
        }

        app.Clock.Advance(TimeSpan.FromSeconds(61));
        await ProblemAssert.IsProblemAsync(await second.GetAsync("/api/console/me"), HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task An_edit_that_omits_disabled_keeps_the_account_disabled()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var id = await CreateAsync(admin, "keep.off", "first-pass-1");
        Assert.True((await (await admin.PutAsJsonAsync($"/api/console/staff/{id}", Edit("停用", disabled: true))).JsonAsync()).GetProperty("disabled").GetBoolean());
        Assert.True((await (await admin.PutAsJsonAsync($"/api/console/staff/{id}", Edit("改名"))).JsonAsync()).GetProperty("disabled").GetBoolean());
        Assert.False((await (await admin.PutAsJsonAsync($"/api/console/staff/{id}", Edit("启用", disabled: false))).JsonAsync()).GetProperty("disabled").GetBoolean());
    }

    [Fact]
    public async Task Parallel_wrong_passwords_check_no_more_than_the_limit_and_the_right_one_stays_locked_out()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var id = await CreateAsync(admin, "race.me", "right-pass-1");
        using var browser = app.Anonymous();
        await browser.UseAntiforgeryAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            browser.PostAsJsonAsync("/api/console/login", new { username = "race.me", password = $"wrong-{i}" })));
        var statuses = answers.Select(a => a.StatusCode).ToList();
        // Five wrong passwords (the default limit) are checked: four answer "wrong", the fifth locks; the rest are
        // refused unchecked. Every checked password leaves a staff.login_failed entry.
        Assert.Equal(4, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(56, statuses.Count(s => s == HttpStatusCode.Locked));
        Assert.Equal(5, await app.ScalarAsync<long>($"SELECT count(*) FROM staff_audit_log WHERE action = 'staff.login_failed' AND target = 'staff:{id}'"));
        await ProblemAssert.IsProblemAsync(await browser.PostAsJsonAsync("/api/console/login", new { username = "race.me", password = "right-pass-1" }),
            HttpStatusCode.Locked, "locked");
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/console/me")).StatusCode);

        app.Clock.Advance(TimeSpan.FromMinutes(16));
        await (await browser.PostAsJsonAsync("/api/console/login", new { username = "race.me", password = "right-pass-1" })).JsonAsync();
    }

    [Fact]
    public async Task The_audit_log_is_for_admins_only()
    {
        using var viewer = await app.StaffAsync("viewer");
        using var organiser = await app.StaffAsync("organiser");
        using var admin = await app.StaffAsync("admin", unit: null);
        await ProblemAssert.IsProblemAsync(await viewer.GetAsync("/api/console/audit"), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblemAsync(await organiser.GetAsync("/api/console/audit"), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/console/audit")).StatusCode);
    }

    [Theory]
    [InlineData("%")]
    [InlineData("_")]
    [InlineData("%%")]
    public async Task Console_search_takes_percent_and_underscore_literally(string q)
    {
        await using (var conn = await app.OpenAsync())
        {
            await using var cmd = new Npgsql.NpgsqlCommand("""
                INSERT INTO followers (app_id, openid, subscribed, remark)
                VALUES ('wxoatest000000001', 'o-like-0000000000000000000001', true, '普通备注') ON CONFLICT DO NOTHING
                """, conn);
            await cmd.ExecuteNonQueryAsync();
        }

        using var viewer = await app.StaffAsync("viewer");
        Assert.Equal(0, (await (await viewer.GetAsync($"/api/console/activities?q={Uri.EscapeDataString(q)}")).JsonAsync()).GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await (await viewer.GetAsync($"/api/console/followers?q={Uri.EscapeDataString(q)}")).JsonAsync()).GetProperty("total").GetInt64());
        // An ordinary search still finds what contains the text.
        Assert.NotEqual(0, (await (await viewer.GetAsync($"/api/console/activities?q={Uri.EscapeDataString("科普")}")).JsonAsync()).GetProperty("items").GetArrayLength());
        Assert.Equal(1, (await (await viewer.GetAsync($"/api/console/followers?q={Uri.EscapeDataString("备注")}")).JsonAsync()).GetProperty("total").GetInt64());
    }
}
