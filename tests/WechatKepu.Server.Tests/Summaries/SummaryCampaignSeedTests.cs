using System.Net;
using Dapper;
using WechatKepu.Server.Tests.Console;

namespace WechatKepu.Server.Tests.Summaries;

/// <summary>A fresh install knows the plan's two summary deadlines (section 七(二)).</summary>
public sealed class SummaryCampaignSeedTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    [Fact]
    public async Task The_plans_two_campaigns_are_seeded_with_their_deadlines_shown_in_Shanghai_time()
    {
        using var viewer = await app.StaffAsync("viewer", unit: null);
        var campaigns = (await (await viewer.GetAsync("/api/console/summaries/campaigns")).JsonAsync()).EnumerateArray().ToList();
        Assert.Equal(["science-day-2024", "bagui-2024"], campaigns.Select(c => c.GetProperty("code").GetString()));
        Assert.Equal(["全国科普日", "八桂科普大行动"], campaigns.Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(["2024年9月27日 23:59", "2024年12月31日 23:59"], campaigns.Select(c => c.GetProperty("deadlineText").GetString()));
        Assert.Equal(new DateTimeOffset(2024, 9, 27, 15, 59, 59, TimeSpan.Zero), campaigns[0].GetProperty("deadline").GetDateTimeOffset());
        Assert.All(campaigns, c => Assert.False(c.GetProperty("open").GetBoolean())); // the test clock is in 2026

        // Every activity of the plan is in the 八桂 campaign; those with September dates also in 全国科普日's.
        await using var conn = await app.OpenAsync();
        Assert.Equal(35, await conn.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM activities a JOIN summary_campaigns c ON c.code = 'bagui-2024' WHERE a.from_seed AND a.starts_on <= c.period_to AND a.ends_on >= c.period_from
            """));
        using var admin = await app.StaffAsync("admin", unit: null);
        var scienceDay = campaigns[0].GetProperty("id").GetInt64();
        var rows = (await (await admin.GetAsync($"/api/console/summaries/campaigns/{scienceDay}/activities")).JsonAsync()).EnumerateArray().ToList();
        Assert.Contains(rows, r => r.GetProperty("code").GetString() == "5.1.1");
        Assert.DoesNotContain(rows, r => r.GetProperty("code").GetString() == "5.1.5"); // 11月-12月
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/console/summaries/campaigns/{scienceDay}/units")).StatusCode);
    }
}
