using WechatKepu.Server.Features.Catalogue;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Catalogue;

/// <summary>The shipped catalogue is the 2024 Liuzhou plan, activity by activity (五(一) to 五(四)).</summary>
public sealed class CataloguePlanTests(KepuApp app) : IClassFixture<KepuApp>
{
    private static readonly string[] PlanTitles =
    [
        // 五(一) 柳州主场活动
        "2024年全国科普日柳州活动暨八桂科普大行动柳州活动和柳州市青少年科学荟活动启动仪式",
        "2024年柳州市青少年科学荟",
        "组织参加2024年广西公民科学素质学习竞赛活动",
        "“科普向未来·童筑科技梦”系列科普大联合活动",
        "2024年柳州市青少年科技创新大赛",
        "“筑梦研学·科技‘童’行”科普大篷车下基层、进校园活动",
        "柳州科技馆科普大篷车“流动科技馆”进校园、下基层活动",
        "柳州科技馆、三江县科技馆联合行动",
        "柳州科技馆第二届“科普小达人”",
        "柳州科技馆节假日主题活动（中秋节、农民丰收节）",
        "“科普梦·乡村情”科普志愿服务活动",
        "食品安全科普宣传活动",
        "柳州市“双百人才工程”师资服务柳州活动",
        // 五(二) 重点活动
        "“科普展览探未来”活动",
        "“科普报告话前沿”活动",
        "“千万IP创科普”活动",
        // 五(三) 各单位特色活动
        "“希望科学+”柳州市公益志愿服务活动",
        "“科普助力乡村振兴 科学引领健康生活”活动",
        "全市居民健康素养线上知识问答活动",
        "柳州市第二届中药（壮瑶药）药膳大赛暨中医药文化宣传活动",
        "巾帽健康科普活动",
        "科技下乡进社区进企业活动",
        "生态环境科普课堂进校园",
        "2024年龙潭公园民族团结科普知识大比拼",
        "园区科技前沿报告会",
        "2024年“科普兴农大讲堂”农村实用技术培训",
        "“科技兴农”科普进校园、进社区、进农村活动",
        // 五(四) 系列联合行动
        "学会科普联合行动",
        "企业科普联合行动",
        "高校科普联合行动",
        "科普阵地联合行动",
        "园区科普联合行动",
        "农技协联合行动",
        "青少年科学教育专项行动",
        "巾帼科普活动",
    ];

    private async Task<List<ActivityDto>> AllAsync()
    {
        var page = await app.GetJsonAsync<PageDto<ActivityDto>>("/api/activities?pageSize=100");
        return page.Items.ToList();
    }

    private async Task<ActivityDto> ByTitleAsync(string title) => Assert.Single(await AllAsync(), a => a.Title == title);

    [Fact]
    public async Task Every_activity_of_the_plan_is_listed_in_plan_order()
    {
        var all = await AllAsync();
        Assert.Equal(35, all.Count);
        Assert.Equal(PlanTitles, all.Select(a => a.Title));
        Assert.Equal(13, all.Count(a => a.Category == "主场活动"));
        Assert.Equal(3, all.Count(a => a.Category == "重点活动"));
        Assert.Equal(11, all.Count(a => a.Category == "各单位特色活动"));
        Assert.Equal(8, all.Count(a => a.Category == "系列联合行动"));
    }

    [Fact]
    public async Task Launch_ceremony_has_its_date_place_and_all_units()
    {
        var a = await ByTitleAsync(PlanTitles[0]);
        Assert.Equal("9月19日", a.TimeText);
        Assert.Equal(new DateOnly(2024, 9, 19), a.StartsOn);
        Assert.Equal(new DateOnly(2024, 9, 19), a.EndsOn);
        Assert.Equal("柳南区金绿洲星光大道购物广场（潭中西路19号）", a.Venue);
        Assert.Equal(18, a.HostUnits.Length);
        Assert.Equal("柳州市科学技术协会", a.HostUnits[0]);
        Assert.Contains("中共柳州市委网络安全和信息化委员会办公室", a.HostUnits);
        Assert.Contains("柳州市人民政府国有资产监督管理委员会", a.HostUnits);
        Assert.Equal("柳州市工商业联合会", a.HostUnits[^1]);
        Assert.Equal(["中共柳南区委员会", "柳南区人民政府"], a.OrganiserUnits);
        Assert.Equal(["柳南区科学技术协会", "柳南区科学技术局", "柳州科技馆", "柳南区河西街道办事处"], a.CoOrganiserUnits);
        Assert.Equal(["柳南区"], a.Districts);
    }

    [Fact]
    public async Task Science_fair_kexuehui_matches_the_plan_and_takes_signups()
    {
        var a = await ByTitleAsync("2024年柳州市青少年科学荟");
        Assert.Equal("9月-11月", a.TimeText);
        Assert.Equal(new DateOnly(2024, 9, 1), a.StartsOn);
        Assert.Equal(new DateOnly(2024, 11, 30), a.EndsOn);
        Assert.Equal(["柳州市科学技术协会", "柳州市精神文明建设办公室", "柳州市教育局", "柳州市科学技术局", "共青团柳州市委员会"], a.HostUnits);
        Assert.Equal(["柳州科技馆", "柳州市青少年宫"], a.OrganiserUnits);
        Assert.StartsWith("柳州科技馆，全市各中小学校", a.Venue);
        Assert.True(a.AcceptsSignups);
        Assert.NotEmpty(a.Sessions);
        Assert.All(a.Sessions, s => Assert.True(s.IsSample));
    }

    [Theory]
    [InlineData("组织参加2024年广西公民科学素质学习竞赛活动", "8月-11月", "2024-08-01", "2024-11-30", "柳州市内", "柳州市科学技术协会", "各县（区）科协|各科普教育基地", "柳州市融媒体中心（柳州市广播电视台）")]
    [InlineData("2024年柳州市青少年科技创新大赛", "11月-12月", "2024-11-01", "2024-12-31", "柳州科技馆", "柳州市科学技术协会|柳州市教育局", "柳州科技馆", "")]
    [InlineData("柳州科技馆、三江县科技馆联合行动", "9月-12月", "2024-09-01", "2024-12-31", "三江侗族自治县科技馆", "柳州市科学技术协会", "柳州科技馆|三江侗族自治县科技馆", "")]
    [InlineData("柳州科技馆第二届“科普小达人”", "9月", "2024-09-01", "2024-09-30", "柳州科技馆", "柳州市科学技术协会", "柳州科技馆|柳州市青少年宫", "")]
    [InlineData("食品安全科普宣传活动", "9月-12月", "2024-09-01", "2024-12-31", "各县区", "柳州市科学技术协会|柳州市市场监督管理局", "", "")]
    [InlineData("柳州市“双百人才工程”师资服务柳州活动", "9月15日-25日", "2024-09-15", "2024-09-25", "中共柳州市委党校、柳州市东环路小学、柳州市第十二中学", "柳州市科学技术协会", "", "")]
    [InlineData("“希望科学+”柳州市公益志愿服务活动", "8月-12月", "2024-08-01", "2024-12-31", "融水苗族自治县、三江侗族自治县", "共青团柳州市委员会|广西龙城青少年发展基金会|柳州市青年志愿者协会", "共青团融水苗族自治县委员会|共青团三江侗族自治县委员会|融水苗族自治县青年志愿者协会|三江侗族自治县青年志愿者协会", "")]
    [InlineData("“科普助力乡村振兴 科学引领健康生活”活动", "9月13日", "2024-09-13", "2024-09-13", "柳州市卫生健康委员会", "柳州市卫生健康委员会", "", "")]
    [InlineData("全市居民健康素养线上知识问答活动", "9月-12月（4期）", "2024-09-01", "2024-12-31", "健康柳州微信公众号线上答题", "柳州市卫生健康委员会", "", "")]
    [InlineData("柳州市第二届中药（壮瑶药）药膳大赛暨中医药文化宣传活动", "9月7日", "2024-09-07", "2024-09-07", "柳州万象城1号门外", "柳州市卫生健康委员会", "", "")]
    [InlineData("巾帽健康科普活动", "9月-10月", "2024-09-01", "2024-10-31", "融水县、三江县", "柳州市妇女联合会|柳州市卫生健康委员会", "", "")]
    [InlineData("生态环境科普课堂进校园", "9月-12月", "2024-09-01", "2024-12-31", "柳州市内各中小学", "柳州市柳江流域生态环境保护中心", "", "")]
    [InlineData("园区科技前沿报告会", "9月-11月", "2024-09-01", "2024-11-30", "柳江区柳兴工业园", "柳江区科学技术协会|柳江区科学技术局", "", "")]
    [InlineData("“科技兴农”科普进校园、进社区、进农村活动", "9月-11月", "2024-09-01", "2024-11-30", "鹿寨县城南二小、鹿寨县第初级四中学、鹿寨镇各社区、寨沙镇龙江村民委、黄冕镇黄冕村民委", "鹿寨县科学技术协会|鹿寨县教育局|鹿寨县农业农村局|鹿寨县人民医院", "", "")]
    public async Task Activity_has_the_plans_time_place_and_units(
        string title, string timeText, string startsOn, string endsOn, string venue, string hosts, string organisers, string coOrganisers)
    {
        static string[] Split(string s) => s.Length == 0 ? [] : s.Split('|');
        var a = await ByTitleAsync(title);
        Assert.Equal(timeText, a.TimeText);
        Assert.Equal(DateOnly.Parse(startsOn), a.StartsOn);
        Assert.Equal(DateOnly.Parse(endsOn), a.EndsOn);
        Assert.Equal(venue, a.Venue);
        Assert.Equal(Split(hosts), a.HostUnits);
        Assert.Equal(Split(organisers), a.OrganiserUnits);
        Assert.Equal(Split(coOrganisers), a.CoOrganiserUnits);
    }

    [Fact]
    public async Task Childrens_joint_action_lists_its_fifteen_science_bases()
    {
        var a = await ByTitleAsync("“科普向未来·童筑科技梦”系列科普大联合活动");
        Assert.Equal("4月-11月", a.TimeText);
        Assert.Equal(15, a.OrganiserUnits.Length);
        Assert.Equal("柳州科技馆", a.OrganiserUnits[0]);
        Assert.Equal("广西壮族自治区三〇五核地质大队", a.OrganiserUnits[^1]);
        Assert.Contains("广州市妇女儿童医疗中心柳州医院", a.OrganiserUnits);
    }

    [Fact]
    public async Task Activities_for_children_have_sample_sessions_with_places_in_the_future()
    {
        var all = await AllAsync();
        var withSignups = all.Where(a => a.AcceptsSignups).Select(a => a.Title).ToList();
        Assert.Contains("2024年柳州市青少年科学荟", withSignups);
        Assert.Contains("柳州科技馆第二届“科普小达人”", withSignups);
        Assert.Contains("2024年柳州市青少年科技创新大赛", withSignups);
        Assert.Contains("柳州科技馆节假日主题活动（中秋节、农民丰收节）", withSignups);
        foreach (var a in all.Where(a => a.AcceptsSignups))
        {
            Assert.NotEmpty(a.Sessions);
            Assert.All(a.Sessions, s =>
            {
                Assert.True(s.IsSample);
                Assert.True(s.StartsAt > app.Clock.GetUtcNow(), $"{s.Title} should lie ahead");
                Assert.Equal(s.Capacity, s.PlacesLeft);
                Assert.True(s.SignupOpensAt <= app.Clock.GetUtcNow() && s.SignupClosesAt < s.StartsAt);
            });
        }

        Assert.All(all.Where(a => !a.AcceptsSignups), a => Assert.Empty(a.Sessions));
    }

    [Fact]
    public async Task Seeding_again_inserts_nothing()
    {
        var seeder = Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<WechatKepu.Data.Catalogue.CatalogueSeeder>(app.Services);
        var (activities, sessions) = await seeder.SeedAsync();
        Assert.Equal(0, activities);
        Assert.Equal(0, sessions);
        Assert.Equal(35L, await app.ScalarAsync<long>("SELECT count(*) FROM activities"));
        Assert.Equal(11L, await app.ScalarAsync<long>("SELECT count(*) FROM sessions"));
    }
}
