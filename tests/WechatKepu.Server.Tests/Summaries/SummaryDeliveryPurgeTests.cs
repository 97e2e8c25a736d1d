using System.Net;
using ClosedXML.Excel;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using WechatKepu.Data.Delivery;
using WechatKepu.Server.Tests.Console;

namespace WechatKepu.Server.Tests.Summaries;

/// <summary>Its own database: the test purges every reminder row.</summary>
public sealed class SummaryPurgeApp : SummariesApp;

/// <summary>The summary's 提醒送达 counts reminders whose rows the delivery purge has removed (0020_delivery_outcomes.sql).</summary>
public sealed class SummaryDeliveryPurgeTests(SummaryPurgeApp app) : IClassFixture<SummaryPurgeApp>
{
    private async Task<string> RemindersDeliveredAsync(HttpClient admin)
    {
        var response = await admin.GetAsync($"/api/console/summaries/campaigns/{app.CampaignId}/export.xlsx");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var workbook = new XLWorkbook(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        return SummariesApiTests.Rows(workbook.Worksheet("总览")).Single(r => r["单位"] == ConsoleApp.Unit)["提醒送达"];
    }

    [Fact]
    public async Task Reminders_delivered_still_count_in_the_summary_after_their_rows_are_purged()
    {
        await app.ArrangeAsync();
        using var admin = await app.StaffAsync("admin", unit: null);
        var before = await RemindersDeliveredAsync(admin);
        Assert.NotEqual("0", before);

        // The reminders' campaigns finished, and long enough ago for the purge.
        await using (var conn = await app.OpenAsync())
        {
            await conn.ExecuteAsync("""
                UPDATE delivery_campaigns SET status = 'completed', completed_at = coalesce(completed_at, now())
                WHERE kind = 'session_reminder' AND status = 'active'
                """);
        }

        var now = app.Clock.GetUtcNow();
        await app.Services.GetRequiredService<DeliveryPurge>().PurgeAsync(now.AddYears(10), batch: 2, now, default);
        Assert.Equal(0L, await app.ScalarAsync<long>(
            "SELECT count(*) FROM deliveries d JOIN delivery_campaigns c ON c.id = d.campaign_id WHERE c.kind = 'session_reminder'"));

        Assert.Equal(before, await RemindersDeliveredAsync(admin));
    }
}
