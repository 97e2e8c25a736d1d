using System.Net;
using WechatKepu.Server.Features.Catalogue;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Catalogue;

public sealed class CatalogueQueryTests(KepuApp app) : IClassFixture<KepuApp>
{
    private Task<PageDto<ActivityDto>> ListAsync(string query) =>
        app.GetJsonAsync<PageDto<ActivityDto>>("/api/activities?pageSize=100&" + query);

    [Theory]
    [InlineData("主场活动", 13)]
    [InlineData("重点活动", 3)]
    [InlineData("各单位特色活动", 11)]
    [InlineData("系列联合行动", 8)]
    [InlineData("joint", 8)]
    public async Task Category_filter_keeps_that_section_of_the_plan(string category, int expected)
    {
        var page = await ListAsync("category=" + Uri.EscapeDataString(category));
        Assert.Equal(expected, page.Total);
        Assert.Equal(expected, page.Items.Count);
        Assert.All(page.Items, a => Assert.Equal(page.Items[0].Category, a.Category));
    }

    [Fact]
    public async Task Month_filter_keeps_activities_running_in_that_month()
    {
        var april = await ListAsync("month=2024-04");
        Assert.Equal(["“科普向未来·童筑科技梦”系列科普大联合活动"], april.Items.Select(a => a.Title));

        var december = await ListAsync("month=2024-12");
        Assert.Contains(december.Items, a => a.Title == "2024年柳州市青少年科技创新大赛");
        Assert.DoesNotContain(december.Items, a => a.Title == "柳州科技馆第二届“科普小达人”");
        Assert.All(december.Items, a => Assert.True(a.EndsOn >= new DateOnly(2024, 12, 1)));

        var january = await ListAsync("month=2025-01");
        Assert.Equal(0, january.Total);
        Assert.Empty(january.Items);
    }

    [Fact]
    public async Task District_filter_matches_the_activitys_districts()
    {
        var sanjiang = await ListAsync("district=" + Uri.EscapeDataString("三江侗族自治县"));
        Assert.Equal(
            ["柳州科技馆、三江县科技馆联合行动", "“希望科学+”柳州市公益志愿服务活动", "巾帽健康科普活动"],
            sanjiang.Items.Select(a => a.Title));
        var liunan = await ListAsync("district=" + Uri.EscapeDataString("柳南区"));
        Assert.Single(liunan.Items);
    }

    [Theory]
    [InlineData("科学荟", 2)]                 // the launch ceremony's title mentions it too
    [InlineData("卫生健康委员会", 5)]          // matches host units
    [InlineData("龙潭公园", 2)]                // a title and a unit of the joint action
    [InlineData("100%", 0)]                   // LIKE wildcards are matched literally
    [InlineData("no-such-thing", 0)]
    public async Task Free_text_searches_titles_places_descriptions_and_units(string text, int expected)
    {
        var page = await ListAsync("q=" + Uri.EscapeDataString(text));
        Assert.Equal(expected, page.Total);
    }

    [Fact]
    public async Task Signup_filter_keeps_activities_parents_can_sign_up_for()
    {
        var page = await ListAsync("signup=true");
        Assert.Equal(6, page.Total);
        Assert.All(page.Items, a => Assert.True(a.AcceptsSignups));
        Assert.Equal(29, (await ListAsync("signup=false")).Total);
    }

    [Fact]
    public async Task Paging_splits_the_list_and_keeps_the_total()
    {
        var first = await app.GetJsonAsync<PageDto<ActivityDto>>("/api/activities?page=1&pageSize=10");
        var fourth = await app.GetJsonAsync<PageDto<ActivityDto>>("/api/activities?page=4&pageSize=10");
        var beyond = await app.GetJsonAsync<PageDto<ActivityDto>>("/api/activities?page=9&pageSize=10");
        Assert.Equal(10, first.Items.Count);
        Assert.Equal(5, fourth.Items.Count);
        Assert.Empty(beyond.Items);
        Assert.All([first, fourth, beyond], p => Assert.Equal(35, p.Total));
        Assert.Equal(20, (await app.GetJsonAsync<PageDto<ActivityDto>>("/api/activities")).Items.Count);
    }

    [Fact]
    public async Task Filters_combine()
    {
        var page = await ListAsync("category=" + Uri.EscapeDataString("主场活动") + "&month=2024-11&signup=true");
        Assert.Equal(
            ["2024年柳州市青少年科学荟", "“科普向未来·童筑科技梦”系列科普大联合活动", "2024年柳州市青少年科技创新大赛"],
            page.Items.Select(a => a.Title));
    }

    [Fact]
    public async Task Activity_detail_has_its_sessions_and_unknown_ids_are_404()
    {
        var list = await ListAsync("signup=true");
        var detail = await app.GetJsonAsync<ActivityDto>($"/api/activities/{list.Items[0].Id}");
        Assert.Equal(list.Items[0].Title, detail.Title);
        Assert.NotEmpty(detail.Sessions);
        Assert.All(detail.Sessions, s => Assert.Equal(detail.Id, s.ActivityId));

        using var client = app.CreateClient();
        await ProblemAssert.IsProblemAsync(await client.GetAsync("/api/activities/999999"), HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("category=sports", "category")]
    [InlineData("month=2024-13", "month")]
    [InlineData("month=September", "month")]
    [InlineData("month=2024-9-1", "month")]
    [InlineData("signup=maybe", "signup")]
    [InlineData("page=0", "page")]
    [InlineData("page=-1", "page")]
    [InlineData("page=abc", "page")]
    [InlineData("page=99999999999", "page")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("page=1&page=2", "page")]
    public async Task Bad_query_value_is_a_400_naming_the_parameter(string query, string parameter)
    {
        using var client = app.CreateClient();
        await ProblemAssert.NamesParameterAsync(await client.GetAsync("/api/activities?" + query), parameter);
    }

    [Fact]
    public async Task Overlong_search_text_and_district_are_400()
    {
        using var client = app.CreateClient();
        await ProblemAssert.NamesParameterAsync(await client.GetAsync("/api/activities?q=" + new string('科', 101)), "q");
        await ProblemAssert.NamesParameterAsync(await client.GetAsync("/api/activities?district=" + new string('区', 51)), "district");
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1.5")]
    public async Task Bad_activity_id_is_a_chinese_404(string id)
    {
        using var client = app.CreateClient();
        await ProblemAssert.IsChineseNotFoundAsync(await client.GetAsync("/api/activities/" + id), "not_found");
    }

    [Fact]
    public async Task Health_reports_database_and_migrations()
    {
        using var client = app.CreateClient();
        var response = await client.GetAsync("/healthz");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"databaseReachable\":true", body);
        Assert.Contains("\"pending\":[]", body);
    }

    [Fact]
    public async Task OpenApi_document_describes_the_catalogue()
    {
        using var client = app.CreateClient();
        var doc = await client.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/activities", doc);
        Assert.Contains("/api/activities/{id}", doc);
        Assert.Contains("/healthz", doc);
    }
}
