using System.Net;
using System.Net.Http.Json;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Console;

public sealed class ConsoleAuthTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    [Theory]
    [InlineData("GET", "/api/console/dashboard")]
    [InlineData("GET", "/api/console/activities")]
    [InlineData("GET", "/api/console/me")]
    [InlineData("GET", "/api/console/audit")]
    [InlineData("GET", "/api/console/broadcasts")]
    [InlineData("GET", "/api/console/sessions/1/export.xlsx")]
    [InlineData("POST", "/api/console/checkin")]
    [InlineData("POST", "/api/console/activities/1/sessions")]
    public async Task Without_a_cookie_the_console_api_answers_401(string method, string url)
    {
        using var client = app.Anonymous();
        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task A_viewer_reads_but_cannot_write_export_or_send()
    {
        using var viewer = await app.StaffAsync("viewer", unit: null);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/console/dashboard")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/console/activities")).StatusCode);
        var activity = await app.ActivityIdAsync();
        var sessionId = await Sessions.CreateAsync(app, 5, 0);
        await ProblemAssert.IsProblemAsync(await viewer.PostAsJsonAsync($"/api/console/activities/{activity}/sessions",
            ConsoleHttp.Session(app.Clock.GetUtcNow().AddDays(30))), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblemAsync(await viewer.PostAsJsonAsync("/api/console/checkin", new { code = "KP-1-AAAA" }), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(await viewer.GetAsync($"/api/console/sessions/{sessionId}/export.xlsx"), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(await viewer.PostAsJsonAsync("/api/console/broadcasts", new { title = "x" }), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(await viewer.GetAsync("/api/console/staff"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Writes_without_an_antiforgery_token_are_refused_and_change_nothing()
    {
        using var organiser = await app.StaffClientAsync("organiser", ConsoleApp.Unit, antiforgery: false);
        var activity = await app.ActivityIdAsync();
        var before = await app.ScalarAsync<long>("SELECT count(*) FROM sessions");
        var response = await organiser.PostAsJsonAsync($"/api/console/activities/{activity}/sessions", ConsoleHttp.Session(app.Clock.GetUtcNow().AddDays(30)));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "antiforgery");

        organiser.DefaultRequestHeaders.Add("X-CSRF-TOKEN", "forged-token");
        response = await organiser.PostAsJsonAsync($"/api/console/activities/{activity}/sessions", ConsoleHttp.Session(app.Clock.GetUtcNow().AddDays(30)));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "antiforgery");
        Assert.Equal(before, await app.ScalarAsync<long>("SELECT count(*) FROM sessions"));
    }

    [Fact]
    public async Task A_token_issued_to_another_staff_member_is_refused()
    {
        using var first = await app.StaffAsync("organiser", ConsoleApp.Unit);
        var token = first.DefaultRequestHeaders.GetValues("X-CSRF-TOKEN").Single();
        using var second = await app.StaffClientAsync("organiser", ConsoleApp.OtherUnit);
        second.DefaultRequestHeaders.Add("X-CSRF-TOKEN", token);
        var response = await second.PostAsJsonAsync("/api/console/checkin", new { code = "KP-1-AAAA" });
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "antiforgery");
    }

    [Fact]
    public async Task Staff_sign_in_with_password_then_lockout_after_repeated_failures()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var created = await admin.PostAsJsonAsync("/api/console/staff", new
        {
            username = "liu.org", displayName = "刘组织", role = "organiser", unit = ConsoleApp.Unit, password = "correct-horse-1",
        });
        var account = await created.JsonAsync(HttpStatusCode.Created);
        Assert.Equal("organiser", account.GetProperty("role").GetString());
        Assert.DoesNotContain("correct-horse-1", await app.ScalarAsync<string>("SELECT password_hash FROM staff_accounts WHERE username = 'liu.org'"));

        using var browser = app.Anonymous();
        await browser.UseAntiforgeryAsync();
        // Without the token even a sign-in is refused.
        using (var bare = app.Anonymous())
        {
            await ProblemAssert.IsProblemAsync(await bare.PostAsJsonAsync("/api/console/login", new { username = "liu.org", password = "correct-horse-1" }),
                HttpStatusCode.BadRequest, "antiforgery");
        }

        await ProblemAssert.NamesParameterAsync(await browser.PostAsJsonAsync("/api/console/login", new { username = "", password = "" }), "username");
        for (var i = 0; i < 4; i++)
        {
            await ProblemAssert.IsProblemAsync(await browser.PostAsJsonAsync("/api/console/login", new { username = "liu.org", password = "wrong" }),
                HttpStatusCode.Unauthorized, "bad_credentials");
        }

        await ProblemAssert.IsProblemAsync(await browser.PostAsJsonAsync("/api/console/login", new { username = "liu.org", password = "wrong" }),
            HttpStatusCode.Locked, "locked");
        // Locked: even the right password does not get in until the lockout ends.
        await ProblemAssert.IsProblemAsync(await browser.PostAsJsonAsync("/api/console/login", new { username = "LIU.ORG", password = "correct-horse-1" }),
            HttpStatusCode.Locked, "locked");
        app.Clock.Advance(TimeSpan.FromMinutes(16));

        var me = await (await browser.PostAsJsonAsync("/api/console/login", new { username = "LIU.ORG", password = "correct-horse-1" })).JsonAsync();
        Assert.Equal("刘组织", me.GetProperty("displayName").GetString());
        var session = await (await browser.GetAsync("/api/console/me")).JsonAsync();
        Assert.Equal(ConsoleApp.Unit, session.GetProperty("unit").GetString());

        // The token from before sign-in is bound to nobody: a write needs a fresh one.
        await ProblemAssert.IsProblemAsync(await browser.PostAsync("/api/console/logout", null), HttpStatusCode.BadRequest, "antiforgery");
        await browser.UseAntiforgeryAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await browser.PostAsync("/api/console/logout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/console/me")).StatusCode);

        var audit = await (await admin.GetAsync("/api/console/audit?action=staff.")).JsonAsync();
        var actions = audit.EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains("staff.create", actions);
        Assert.Contains("staff.login", actions);
        Assert.Contains("staff.login_failed", actions);
        Assert.Contains("staff.logout", actions);
    }

    [Fact]
    public async Task Staff_account_rules_are_checked()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var bad = await admin.PostAsJsonAsync("/api/console/staff", new { username = "有空格 的", displayName = "", role = "boss", password = "short" });
        var json = await ProblemAssert.IsProblemAsync(bad, HttpStatusCode.BadRequest, "validation");
        foreach (var field in new[] { "username", "displayName", "role", "password" })
        {
            Assert.True(json.GetProperty("errors").TryGetProperty(field, out _), field);
        }

        await ProblemAssert.NamesParameterAsync(await admin.PostAsJsonAsync("/api/console/staff",
            new { username = "no.unit", displayName = "无单位", role = "organiser", password = "long-enough-1" }), "unit");
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/console/staff",
            new { username = "dup", displayName = "甲", role = "viewer", password = "long-enough-1" })).StatusCode);
        await ProblemAssert.IsProblemAsync(await admin.PostAsJsonAsync("/api/console/staff",
            new { username = "DUP", displayName = "乙", role = "viewer", password = "long-enough-1" }), HttpStatusCode.Conflict, "username_taken");
        await ProblemAssert.IsProblemAsync(await admin.PutAsJsonAsync("/api/console/staff/999999",
            new { displayName = "乙", role = "viewer" }), HttpStatusCode.NotFound);
        var malformed = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");
        await ProblemAssert.IsProblemAsync(await admin.PostAsync("/api/console/staff", malformed), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_job_dashboard_is_for_admins_signed_in_with_the_staff_cookie()
    {
        using var nobody = app.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await nobody.GetAsync("/console/hangfire")).StatusCode);
        using var organiser = await app.StaffClientAsync("organiser", ConsoleApp.Unit);
        Assert.Contains((await organiser.GetAsync("/console/hangfire")).StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden });
        using var admin = await app.StaffClientAsync("admin");
        var page = await admin.GetAsync("/console/hangfire");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("WechatKepu 后台任务", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_console_page_is_served_under_console()
    {
        using var client = app.Anonymous();
        var page = await client.GetAsync("/console/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("科普日", await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/console/app.js")).StatusCode);
    }
}

public sealed class StaffWriteAntiforgeryTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    [Theory]
    [InlineData("/api/console/topics")]
    [InlineData("/api/console/replies/" + ConsoleApp.OaAppId + "/rules")]
    [InlineData("/api/console/campaigns/1/cancel")]
    public async Task Every_staff_write_needs_the_antiforgery_token(string path)
    {
        // An admin may write all three, so only the missing token stands in the way.
        using var admin = await app.StaffClientAsync("admin", antiforgery: false);
        var response = await admin.PostAsync(path, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "antiforgery");
    }
}
