using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WechatKepu.Data.Delivery;
using WechatKepu.Server.Features.Delivery;

namespace WechatKepu.Server.Tests.Delivery;

/// <summary>Its own server and database: these tests move the clock weeks ahead and purge every finished campaign.</summary>
public sealed class DeliveryPurgeApp : DeliveryApp;

/// <summary>Delivery rows are kept while they have a purpose, then only their counts (issue 21, 0020_delivery_outcomes.sql).</summary>
public sealed class DeliveryPurgeTests(DeliveryPurgeApp app) : IClassFixture<DeliveryPurgeApp>
{
    private DeliveryPurgeJob Job => app.Services.GetRequiredService<DeliveryPurgeJob>();

    private async Task<(long Id, List<string> Fans)> FinishedCampaignAsync(string name, int followers, int failures)
    {
        app.Daytime();
        var tag = DeliveryApp.NewTag();
        var fans = await app.AddFollowersAsync(followers, $"{name}{tag}", tag);
        var id = await app.BroadcastAsync($"{name}:{tag}", tag);
        app.Wechat.Faults.FailNext(failures, 43004, DeliveryApp.TemplatePath);
        await app.Dispatcher.RunAsync(id);
        Assert.Equal("completed", await app.ScalarAsync<string>($"SELECT status FROM delivery_campaigns WHERE id = {id}"));
        return (id, fans);
    }

    private async Task<JsonElement> ReportAsync(HttpClient staff, long id) =>
        JsonDocument.Parse(await staff.GetStringAsync($"/api/console/campaigns/{id}/report")).RootElement;

    [Fact]
    public async Task A_finished_campaigns_rows_go_after_the_retention_and_its_report_still_counts_every_outcome()
    {
        var (id, _) = await FinishedCampaignAsync("purge", followers: 5, failures: 2);

        app.Clock.Advance(TimeSpan.FromDays(29));
        await Job.RunAsync(default);
        Assert.Equal(5L, await app.ScalarAsync<long>($"SELECT count(*) FROM deliveries WHERE campaign_id = {id}"));

        app.Clock.Advance(TimeSpan.FromDays(2));
        Assert.True(await Job.RunAsync(default) >= 5);
        Assert.Equal(0L, await app.ScalarAsync<long>($"SELECT count(*) FROM deliveries WHERE campaign_id = {id}"));

        var viewer = await app.StaffAsync("viewer"); // signed in now: a cookie from a month ago has expired
        var report = await ReportAsync(viewer, id);
        Assert.Equal(3, report.GetProperty("byStatus").GetProperty("sent").GetInt32());
        Assert.Equal(2, report.GetProperty("byStatus").GetProperty("failed").GetInt32());
        Assert.Contains(report.GetProperty("counts").EnumerateArray(),
            c => c.GetProperty("status").GetString() == "failed" && c.GetProperty("errcode").GetInt32() == 43004 && c.GetProperty("count").GetInt32() == 2);
        Assert.Equal(0, report.GetProperty("failures").GetArrayLength()); // whom they were for went with the rows

        // Idempotent: a second run finds nothing, and the counts stay.
        await Job.RunAsync(default);
        Assert.Equal(3, (await ReportAsync(viewer, id)).GetProperty("byStatus").GetProperty("sent").GetInt32());
    }

    [Fact]
    public async Task A_campaign_still_active_keeps_its_rows_however_old()
    {
        app.Daytime();
        var tag = DeliveryApp.NewTag();
        await app.AddFollowersAsync(3, $"active{tag}", tag);
        var id = await app.BroadcastAsync($"active:{tag}", tag); // never dispatched: still active

        app.Clock.Advance(TimeSpan.FromDays(60));
        await Job.RunAsync(default);

        Assert.Equal(3L, await app.ScalarAsync<long>($"SELECT count(*) FROM deliveries WHERE campaign_id = {id} AND status = 'pending'"));
        Assert.Equal(0L, await app.ScalarAsync<long>($"SELECT count(*) FROM delivery_outcomes WHERE campaign_id = {id}"));
    }

    [Fact]
    public async Task Rows_purged_in_many_small_batches_are_counted_once_and_folded_into_one_count_per_outcome()
    {
        var (id, _) = await FinishedCampaignAsync("batches", followers: 7, failures: 3);
        app.Clock.Advance(TimeSpan.FromDays(31));

        var now = app.Clock.GetUtcNow();
        var deleted = await app.Services.GetRequiredService<DeliveryPurge>().PurgeAsync(now.AddDays(-30), batch: 2, now, default);

        Assert.True(deleted >= 7);
        Assert.Equal(0L, await app.ScalarAsync<long>($"SELECT count(*) FROM deliveries WHERE campaign_id = {id}"));
        Assert.Equal(2L, await app.ScalarAsync<long>($"SELECT count(*) FROM delivery_outcomes WHERE campaign_id = {id}"));
        Assert.Equal(7L, await app.ScalarAsync<long>($"SELECT sum(count) FROM delivery_outcomes WHERE campaign_id = {id}"));
        Assert.NotNull(await app.ScalarAsync<DateTime?>($"SELECT rows_purged_at FROM delivery_campaigns WHERE id = {id}"));
    }
}
