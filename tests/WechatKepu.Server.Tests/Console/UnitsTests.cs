using System.Net;
using System.Net.Http.Json;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Console;

/// <summary>Issue 19.10: an organiser's unit is chosen from the plan's units (and units an admin adds), never free text.</summary>
public sealed class UnitsTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    private static object Organiser(string username, string unit) =>
        new { username, displayName = "组织者", role = "organiser", unit, password = "long-enough-1" };

    [Fact]
    public async Task The_list_holds_the_plans_units_and_an_unknown_unit_is_refused()
    {
        using var viewer = await app.StaffAsync("viewer", unit: null);
        var units = (await (await viewer.GetAsync("/api/console/units")).JsonAsync()).EnumerateArray().Select(u => u.GetProperty("name").GetString()).ToList();
        Assert.Equal("柳州市科学技术协会", units[0]); // the plan's first host unit comes first
        Assert.Contains("柳州科技馆", units);
        Assert.DoesNotContain("柳州市科技馆", units);

        using var admin = await app.StaffAsync("admin", unit: null);
        var before = await app.ScalarAsync<long>("SELECT count(*) FROM staff_accounts");
        await ProblemAssert.NamesParameterAsync(await admin.PostAsJsonAsync("/api/console/staff", Organiser("typo.org", "柳州市科技馆")), "unit");
        Assert.Equal(before, await app.ScalarAsync<long>("SELECT count(*) FROM staff_accounts"));

        var created = await (await admin.PostAsJsonAsync("/api/console/staff", Organiser("museum.org", "柳州科技馆"))).JsonAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetInt64();
        await ProblemAssert.NamesParameterAsync(await admin.PutAsJsonAsync($"/api/console/staff/{id}",
            new { displayName = "组织者", role = "organiser", unit = "柳州市 科技馆" }), "unit");
        Assert.Equal("柳州科技馆", await app.ScalarAsync<string>($"SELECT unit FROM staff_accounts WHERE id = {id}"));

        // The organiser of a unit on the list sees that unit's activities.
        using var browser = app.Anonymous();
        await browser.UseAntiforgeryAsync();
        await (await browser.PostAsJsonAsync("/api/console/login", new { username = "museum.org", password = "long-enough-1" })).JsonAsync();
        var mine = await (await browser.GetAsync("/api/console/activities?mine=true")).JsonAsync();
        Assert.Contains(mine.GetProperty("items").EnumerateArray(), a => a.GetProperty("code").GetString() == "5.1.2");
    }

    [Fact]
    public async Task An_admin_adds_a_unit_no_activity_names_and_organisers_may_then_belong_to_it()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        await ProblemAssert.NamesParameterAsync(await admin.PostAsJsonAsync("/api/console/staff", Organiser("school.org", "柳州市第一中学")), "unit");
        var added = await (await admin.PostAsJsonAsync("/api/console/units", new { name = " 柳州市第一中学 " })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal("柳州市第一中学", added.GetProperty("name").GetString());
        await ProblemAssert.IsProblemAsync(await admin.PostAsJsonAsync("/api/console/units", new { name = "柳州市第一中学" }), HttpStatusCode.Conflict, "unit_exists");
        await ProblemAssert.IsProblemAsync(await admin.PostAsJsonAsync("/api/console/units", new { name = "柳州科技馆" }), HttpStatusCode.Conflict, "unit_exists");
        await ProblemAssert.NamesParameterAsync(await admin.PostAsJsonAsync("/api/console/units", new { name = "" }), "name");
        await ProblemAssert.NamesParameterAsync(await admin.PostAsJsonAsync("/api/console/units", new { name = new string('单', 61) }), "name");
        using var organiser = await app.StaffAsync("organiser");
        await ProblemAssert.IsProblemAsync(await organiser.PostAsJsonAsync("/api/console/units", new { name = "柳州市第二中学" }), HttpStatusCode.Forbidden);

        var units = await (await admin.GetAsync("/api/console/units")).JsonAsync();
        var school = units.EnumerateArray().Single(u => u.GetProperty("name").GetString() == "柳州市第一中学");
        Assert.True(school.GetProperty("added").GetBoolean());
        Assert.Equal(0, school.GetProperty("activities").GetInt32());
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/console/staff", Organiser("school.org", "柳州市第一中学"))).StatusCode);
        var audit = await (await admin.GetAsync("/api/console/audit?action=unit.add")).JsonAsync();
        Assert.Equal("unit:柳州市第一中学", Assert.Single(audit.EnumerateArray()).GetProperty("target").GetString());
    }
}
