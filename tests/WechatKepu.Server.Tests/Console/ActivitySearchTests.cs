using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Console;

/// <summary>The console's activity filters and month calendar (<c>GET /api/console/activities</c>, <c>/calendar</c>).</summary>
public sealed class ActivitySearchTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    private const string SearchUnit = "柳州市搜索测试协会";
    private const string SearchDistrict = "搜索测试区";

    private static object Activity(string title, string category, string startsOn, string endsOn, string district, string unit) => new
    {
        category, title, timeText = "春季", startsOn, endsOn, venue = "柳州科技馆", districts = new[] { district },
        hostUnits = new[] { unit }, organiserUnits = Array.Empty<string>(), coOrganiserUnits = Array.Empty<string>(),
        description = "筛选测试", audience = "亲子家庭", acceptsSignups = true,
    };

    private static async Task<long> CreateAsync(HttpClient admin, object body) =>
        (await (await admin.PostAsJsonAsync("/api/console/activities", body)).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();

    private static async Task<List<long>> IdsAsync(HttpClient client, string query) =>
        (await (await client.GetAsync("/api/console/activities?" + query)).JsonAsync()).GetProperty("items").EnumerateArray()
            .Select(a => a.GetProperty("id").GetInt64()).ToList();

    private static readonly SemaphoreSlim Once = new(1, 1);
    private static (long Star, long Robot)? _made;

    /// <summary>Two activities of this test class: 天文夜 (重点活动, March–April 2027, the test district and unit) and 机器人 (May 2027, 柳州科技馆).</summary>
    private async Task<(long Star, long Robot)> ActivitiesAsync()
    {
        await Once.WaitAsync();
        try
        {
            if (_made is { } made)
            {
                return made;
            }

            using var admin = await app.StaffAsync("admin", unit: null);
            var star = await CreateAsync(admin, Activity("筛选测试·天文夜", "重点活动", "2027-03-01", "2027-04-30", SearchDistrict, SearchUnit));
            var robot = await CreateAsync(admin, Activity("筛选测试·机器人", "各单位特色活动", "2027-05-01", "2027-05-31", "柳东新区", ConsoleApp.Unit));
            _made = (star, robot);
            return (star, robot);
        }
        finally
        {
            Once.Release();
        }
    }

    [Fact]
    public async Task Each_filter_narrows_the_list_on_the_server()
    {
        var (star, robot) = await ActivitiesAsync();
        using var viewer = await app.StaffAsync("viewer", unit: null);

        Assert.Equal([star, robot], await IdsAsync(viewer, "q=" + Uri.EscapeDataString("筛选测试·")));
        Assert.Equal([star], await IdsAsync(viewer, "district=" + Uri.EscapeDataString(SearchDistrict)));
        Assert.Equal([star], await IdsAsync(viewer, "unit=" + Uri.EscapeDataString(SearchUnit)));
        Assert.Equal([star], await IdsAsync(viewer, "q=" + Uri.EscapeDataString("筛选测试·") + "&category=" + Uri.EscapeDataString("重点活动")));
        Assert.Equal([robot], await IdsAsync(viewer, "q=" + Uri.EscapeDataString("筛选测试·") + "&month=2027-05"));
        // Text matches the units too, and a category by its short name.
        Assert.Equal([star], await IdsAsync(viewer, "q=" + Uri.EscapeDataString("搜索测试协会")));
        Assert.Equal([star], await IdsAsync(viewer, "q=" + Uri.EscapeDataString("筛选测试·") + "&category=key"));

        var all = await (await viewer.GetAsync("/api/console/activities")).JsonAsync();
        Assert.Contains(SearchDistrict, all.GetProperty("districts").EnumerateArray().Select(d => d.GetString()));
        var count = await app.ScalarAsync<long>("SELECT count(*) FROM activities");
        Assert.Equal(count, all.GetProperty("total").GetInt64());
        Assert.Equal(Math.Min(count, 20), all.GetProperty("items").GetArrayLength());
        Assert.Empty(all.GetProperty("editable").EnumerateArray());
    }

    [Fact]
    public async Task An_organisers_own_units_activities_come_first_and_only_those_are_editable()
    {
        var (_, robot) = await ActivitiesAsync();
        using var organiser = await app.StaffAsync("organiser", ConsoleApp.Unit);
        var list = await (await organiser.GetAsync("/api/console/activities")).JsonAsync();
        var items = list.GetProperty("items").EnumerateArray().ToList();
        var mine = list.GetProperty("mine").EnumerateArray().Select(i => i.GetInt64()).ToList();

        var expected = await app.ScalarAsync<long>($"SELECT count(*) FROM activities WHERE '{ConsoleApp.Unit}' = ANY (host_units || organiser_units || co_organiser_units)");
        Assert.Equal(expected, mine.Count);
        Assert.Contains(robot, mine);
        Assert.True(items.Count > mine.Count);
        Assert.Equal(mine, items.Take(mine.Count).Select(a => a.GetProperty("id").GetInt64()).ToList());
        Assert.Equal(mine, list.GetProperty("editable").EnumerateArray().Select(i => i.GetInt64()).ToList());
        Assert.All(items.Take(mine.Count), a => Assert.Contains(ConsoleApp.Unit,
            new[] { "hostUnits", "organiserUnits", "coOrganiserUnits" }.SelectMany(p => a.GetProperty(p).EnumerateArray().Select(u => u.GetString()))));

        Assert.Equal(mine, await IdsAsync(organiser, "mine=true"));
    }

    [Fact]
    public async Task The_list_is_paged_with_the_organisers_unit_first_and_each_page_carries_only_its_activities_sessions()
    {
        var (_, robot) = await ActivitiesAsync();
        using var admin = await app.StaffAsync("admin", unit: null);
        await (await admin.PostAsJsonAsync($"/api/console/activities/{robot}/sessions",
            ConsoleHttp.Session(new DateTimeOffset(2027, 5, 8, 9, 30, 0, TimeSpan.FromHours(8)), title: "分页场次"))).JsonAsync(HttpStatusCode.Created);
        using var organiser = await app.StaffAsync("organiser", ConsoleApp.Unit);
        var count = await app.ScalarAsync<long>("SELECT count(*) FROM activities");
        var mineCount = await app.ScalarAsync<long>($"SELECT count(*) FROM activities WHERE '{ConsoleApp.Unit}' = ANY (host_units || organiser_units || co_organiser_units)");

        var seen = new List<long>();
        var mine = new List<long>();
        for (var page = 1; ; page++)
        {
            var list = await (await organiser.GetAsync($"/api/console/activities?pageSize=4&page={page}")).JsonAsync();
            Assert.Equal(count, list.GetProperty("total").GetInt64());
            Assert.Equal(mineCount, list.GetProperty("mineTotal").GetInt64());
            Assert.Equal(page, list.GetProperty("page").GetInt32());
            Assert.Equal(4, list.GetProperty("pageSize").GetInt32());
            var items = list.GetProperty("items").EnumerateArray().ToList();
            if (items.Count == 0)
            {
                Assert.Equal((count + 3) / 4 + 1, page);
                break;
            }

            Assert.True(items.Count <= 4);
            var ids = items.Select(a => a.GetProperty("id").GetInt64()).ToList();
            Assert.All(items, a => Assert.All(a.GetProperty("sessions").EnumerateArray(),
                s => Assert.Equal(a.GetProperty("id").GetInt64(), s.GetProperty("activityId").GetInt64())));
            Assert.All(list.GetProperty("mine").EnumerateArray(), m => Assert.Contains(m.GetInt64(), ids));
            Assert.Equal(list.GetProperty("mine").EnumerateArray().Select(m => m.GetInt64()), list.GetProperty("editable").EnumerateArray().Select(m => m.GetInt64()));
            seen.AddRange(ids);
            mine.AddRange(list.GetProperty("mine").EnumerateArray().Select(m => m.GetInt64()));
        }

        // Every activity exactly once, the unit's own on the first pages.
        Assert.Equal(count, seen.Distinct().Count());
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(mine, seen.Take(mine.Count));
        Assert.Equal(mineCount, mine.Count);
        // The sample sessions an admin may remove are counted over every page (and only for an admin).
        var adminPage = await (await admin.GetAsync("/api/console/activities?pageSize=1")).JsonAsync();
        Assert.Equal(await app.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE is_sample AND status <> 'cancelled'"), adminPage.GetProperty("samples").GetInt64());
        Assert.True(adminPage.GetProperty("samples").GetInt64() > 0);
        var robotPage = await (await organiser.GetAsync($"/api/console/activities?q={Uri.EscapeDataString("筛选测试·机器人")}&pageSize=1")).JsonAsync();
        Assert.Equal(JsonValueKind.Null, robotPage.GetProperty("samples").ValueKind);
        Assert.Equal("分页场次", Assert.Single(robotPage.GetProperty("items")[0].GetProperty("sessions").EnumerateArray()).GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("page=0", "page")]
    [InlineData("page=10001", "page")]
    [InlineData("page=x", "page")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("page=1&page=2", "page")]
    public async Task Bad_pages_are_400_naming_the_parameter(string query, string parameter)
    {
        using var viewer = await app.StaffAsync("viewer", unit: null);
        await ProblemAssert.NamesParameterAsync(await viewer.GetAsync("/api/console/activities?" + query), parameter);
    }

    [Fact]
    public async Task The_calendar_shows_the_sessions_starting_in_the_Shanghai_month()
    {
        var (star, _) = await ActivitiesAsync();
        using var admin = await app.StaffAsync("admin", unit: null);
        // 23:30 on 31 March in Shanghai is still March; 00:30 on 1 April is April, though both are 31 March in UTC.
        var lateMarch = new DateTimeOffset(2027, 3, 31, 23, 30, 0, TimeSpan.FromHours(8));
        var earlyApril = new DateTimeOffset(2027, 4, 1, 0, 30, 0, TimeSpan.FromHours(8));
        var march = (await (await admin.PostAsJsonAsync($"/api/console/activities/{star}/sessions", ConsoleHttp.Session(lateMarch, title: "三月夜场"))).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var april = (await (await admin.PostAsJsonAsync($"/api/console/activities/{star}/sessions", ConsoleHttp.Session(earlyApril, title: "四月夜场"))).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();

        async Task<List<JsonElement>> MonthAsync(string month) =>
            (await (await admin.GetAsync($"/api/console/calendar?month={month}&unit={Uri.EscapeDataString(SearchUnit)}")).JsonAsync())
                .GetProperty("sessions").EnumerateArray().ToList();

        var inMarch = await MonthAsync("2027-03");
        Assert.Equal([march], inMarch.Select(s => s.GetProperty("id").GetInt64()));
        Assert.Equal("筛选测试·天文夜", inMarch[0].GetProperty("activityTitle").GetString());
        Assert.Equal(2, inMarch[0].GetProperty("capacity").GetInt32());
        Assert.Equal([april], (await MonthAsync("2027-04")).Select(s => s.GetProperty("id").GetInt64()));
        Assert.Empty(await MonthAsync("2027-05"));

        // Without a month it is this month in Shanghai (the test clock's).
        var now = await (await admin.GetAsync("/api/console/calendar")).JsonAsync();
        Assert.Equal("2026-11", now.GetProperty("month").GetString());
    }

    [Theory]
    [InlineData("month=2024-13", "month")]
    [InlineData("month=september", "month")]
    [InlineData("category=%E4%BD%93%E8%82%B2", "category")]
    [InlineData("unit=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84%E5%8D%95%E4%BD%8D", "unit")]
    [InlineData("district=a%00b", "district")]
    [InlineData("mine=maybe", "mine")]
    [InlineData("q=a&q=b", "q")]
    public async Task Bad_filters_are_400_naming_the_parameter(string query, string parameter)
    {
        using var viewer = await app.StaffAsync("viewer", unit: null);
        await ProblemAssert.NamesParameterAsync(await viewer.GetAsync("/api/console/activities?" + query), parameter);
        await ProblemAssert.NamesParameterAsync(await viewer.GetAsync("/api/console/calendar?" + query), parameter);
    }

    [Fact]
    public async Task The_calendar_needs_a_signed_in_staff_member()
    {
        using var anonymous = app.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/console/calendar")).StatusCode);
    }
}
