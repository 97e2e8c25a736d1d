using System.Net;
using System.Net.Http.Json;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Console;

public sealed class ConsoleActivitiesTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    private static object Activity(string title = "柳州科技馆周末科学秀", string[]? hosts = null, string category = "各单位特色活动",
        string startsOn = "2026-12-01", string endsOn = "2026-12-31") => new
    {
        category, title, timeText = "12月", startsOn, endsOn, venue = "柳州科技馆",
        districts = new[] { "柳东新区" }, hostUnits = hosts ?? [ConsoleApp.Unit], organiserUnits = Array.Empty<string>(),
        coOrganiserUnits = Array.Empty<string>(), description = "周末科学表演", audience = "亲子家庭", acceptsSignups = true,
    };

    private Task<long> CountAsync() => app.ScalarAsync<long>("SELECT count(*) FROM activities");

    [Fact]
    public async Task An_organiser_creates_an_activity_of_their_unit_and_it_joins_the_public_catalogue()
    {
        using var organiser = await app.StaffAsync("organiser");
        var created = await (await organiser.PostAsJsonAsync("/api/console/activities", Activity())).JsonAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetInt64();
        Assert.StartsWith("S", created.GetProperty("code").GetString());

        using var anyone = app.CreateClient();
        var listed = await (await anyone.GetAsync($"/api/activities/{id}")).JsonAsync();
        Assert.Equal("柳州科技馆周末科学秀", listed.GetProperty("title").GetString());
        Assert.Equal(1L, await app.ScalarAsync<long>($"SELECT count(*) FROM staff_audit_log WHERE action = 'activity.create' AND target = 'activity:{id}'"));
    }

    [Fact]
    public async Task An_organiser_cannot_create_for_another_unit_or_give_their_activity_away()
    {
        using var organiser = await app.StaffAsync("organiser");
        var before = await CountAsync();
        var foreign = await organiser.PostAsJsonAsync("/api/console/activities", Activity(hosts: [ConsoleApp.OtherUnit]));
        await ProblemAssert.IsProblemAsync(foreign, HttpStatusCode.Forbidden, "not_your_unit");
        Assert.Equal(before, await CountAsync());

        var id = (await (await organiser.PostAsJsonAsync("/api/console/activities", Activity())).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var away = await organiser.PutAsJsonAsync($"/api/console/activities/{id}", Activity(hosts: [ConsoleApp.OtherUnit]));
        await ProblemAssert.IsProblemAsync(away, HttpStatusCode.Forbidden, "not_your_unit");

        using var other = await app.StaffAsync("organiser", ConsoleApp.OtherUnit);
        await ProblemAssert.IsProblemAsync(await other.PutAsJsonAsync($"/api/console/activities/{id}", Activity(title: "改名")), HttpStatusCode.Forbidden, "not_your_unit");
        Assert.Equal("柳州科技馆周末科学秀", await app.ScalarAsync<string>($"SELECT title FROM activities WHERE id = {id}"));
    }

    [Fact]
    public async Task An_admin_edits_any_activity_and_viewers_cannot_write()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var activity = await app.ActivityIdAsync("5.3.3");
        var body = Activity(title: "全市居民健康素养线上知识问答活动", hosts: ["柳州市卫生健康委员会"]);
        var updated = await (await admin.PutAsJsonAsync($"/api/console/activities/{activity}", body)).JsonAsync();
        Assert.Equal("12月", updated.GetProperty("timeText").GetString());

        using var viewer = await app.StaffAsync("viewer");
        await ProblemAssert.IsProblemAsync(await viewer.PostAsJsonAsync("/api/console/activities", Activity()), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(await admin.PutAsJsonAsync("/api/console/activities/99999999", body), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("category")]
    [InlineData("title")]
    [InlineData("endsOn")]
    [InlineData("hostUnits")]
    public async Task Bad_activities_are_400_naming_the_field_and_store_nothing(string field)
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var body = field switch
        {
            "category" => Activity(category: "体育活动"),
            "title" => Activity(title: ""),
            "endsOn" => Activity(startsOn: "2026-12-31", endsOn: "2026-12-01"),
            _ => Activity(hosts: []),
        };
        var before = await CountAsync();
        await ProblemAssert.NamesParameterAsync(await admin.PostAsJsonAsync("/api/console/activities", body), field);
        Assert.Equal(before, await CountAsync());
    }
}
