using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using WechatKepu.Server.Infrastructure;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Console;

/// <summary>Issue 19.11: sample sessions are seeded only where the team works, and an admin removes them all at once.</summary>
public sealed class SampleSessionsTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    private const string Remove = "/api/console/sample-sessions/remove";

    [Fact]
    public async Task An_admin_removes_every_sample_at_once_and_samples_with_signups_are_cancelled_with_notices()
    {
        Assert.Equal(11L, await app.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE is_sample AND status <> 'cancelled'"));
        var real = await Sessions.CreateAsync(app, capacity: 5, waitlist: 0);
        // A sample a 三年级 child may join.
        var sample = await app.ScalarAsync<long>("SELECT min(id) FROM sessions WHERE is_sample AND 3 BETWEEN coalesce(min_grade, 0) AND coalesce(max_grade, 12)");
        var (parent, children) = await Parent.ReadyAsync(app);
        await parent.SignUpOkAsync(sample, children[0].Id);
        await parent.SignUpOkAsync(real, children[0].Id);

        using var organiser = await app.StaffAsync("organiser");
        await ProblemAssert.IsProblemAsync(await organiser.PostAsJsonAsync(Remove, new { }), HttpStatusCode.Forbidden);
        Assert.Equal(11L, await app.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE is_sample"));

        using var admin = await app.StaffAsync("admin", unit: null);
        var removed = await (await admin.PostAsJsonAsync(Remove, new { })).JsonAsync();
        Assert.Equal(10, removed.GetProperty("deleted").GetInt32());
        Assert.Equal(1, removed.GetProperty("cancelled").GetInt32());
        Assert.Equal(1, removed.GetProperty("signupsCancelled").GetInt32());
        Assert.Equal(0L, await app.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE is_sample AND status <> 'cancelled'"));
        // The parent of the sample keeps a record and is told; the real session and its sign-up are untouched.
        Assert.Equal(1L, await app.ScalarAsync<long>($"SELECT count(*) FROM signup_events WHERE session_id = {sample} AND kind = 'session_cancelled'"));
        Assert.Equal("open", await app.ScalarAsync<string>($"SELECT status FROM sessions WHERE id = {real}"));
        var mine = await parent.SignupsAsync();
        Assert.Equal(["cancelled", "confirmed"], mine.OrderBy(s => s.SessionId == real).Select(s => s.Status));
        var audit = await (await admin.GetAsync("/api/console/audit?action=session.remove_samples")).JsonAsync();
        Assert.Equal(10, Assert.Single(audit.EnumerateArray()).GetProperty("detail").GetProperty("Deleted").GetInt32());

        // Nothing left to remove: a second call changes nothing.
        var again = await (await admin.PostAsJsonAsync(Remove, new { })).JsonAsync();
        Assert.Equal((0, 0), (again.GetProperty("deleted").GetInt32(), again.GetProperty("cancelled").GetInt32()));
    }

    [Theory]
    [InlineData("Production", null, false)]
    [InlineData("Staging", null, false)]
    [InlineData("Development", null, true)]
    [InlineData("Testing", null, true)]
    [InlineData("Production", true, true)]
    [InlineData("Development", false, false)]
    public void Samples_are_seeded_by_default_only_where_the_team_works(string environment, bool? flag, bool seeded) =>
        Assert.Equal(seeded, new DatabaseOptions { SeedSampleSessions = flag }.SeedsSampleSessions(new HostingEnvironment { EnvironmentName = environment }));
}

public sealed class NoSamplesApp : ConsoleApp
{
    protected override void Configure(IWebHostBuilder builder)
    {
        base.Configure(builder);
        builder.UseSetting("Database:SeedSampleSessions", "false");
    }
}

public sealed class NoSampleSessionsTests(NoSamplesApp app) : IClassFixture<NoSamplesApp>
{
    [Fact]
    public async Task With_the_flag_off_the_catalogue_is_loaded_without_sample_sessions()
    {
        Assert.Equal(35L, await app.ScalarAsync<long>("SELECT count(*) FROM activities"));
        Assert.Equal(0L, await app.ScalarAsync<long>("SELECT count(*) FROM sessions"));
        using var client = app.CreateClient();
        var sessions = await (await client.GetAsync("/api/mp/sessions")).JsonAsync();
        Assert.Equal(0, sessions.ValueKind == System.Text.Json.JsonValueKind.Array ? sessions.GetArrayLength() : sessions.GetProperty("items").GetArrayLength());
    }
}
