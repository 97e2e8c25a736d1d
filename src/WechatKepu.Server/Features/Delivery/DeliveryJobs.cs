using Hangfire;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Delivery;
using WechatKepu.Server.Features.Reminders;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Delivery;

/// <summary>
/// The Hangfire side: one recurring tick (plan due reminders and notices, send what is due, apply late
/// receipts) and
/// chunk jobs that work one campaign at once. Never one job per message: a job runs a dispatcher loop
/// over many rows, and several of them share the rows through SKIP LOCKED.
/// </summary>
public sealed class DeliveryJobs(ReminderPlanner planner, DeliveryDispatcher dispatcher, DeliveryReceipts receipts, IBackgroundJobClient jobs)
{
    public const string TickJobId = "delivery-tick";

    /// <summary>Plans what is due and sends it. Overlapping ticks are harmless: claims skip each other's rows.</summary>
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        await planner.PlanDueAsync(cancellationToken);
        await dispatcher.RunAsync(null, cancellationToken);
        await receipts.ApplyPendingAsync(cancellationToken);
    }

    /// <summary>Works one campaign's due rows (a chunk job).</summary>
    [AutomaticRetry(Attempts = 3)]
    [Queue("default")]
    public Task RunCampaignAsync(long campaignId, CancellationToken cancellationToken) =>
        dispatcher.RunAsync(campaignId, cancellationToken);

    /// <summary>Starts a new campaign's chunk jobs now rather than at the next tick (call after committing it).</summary>
    public void Kick(long campaignId)
    {
        // Two jobs per campaign: each runs Workers loops; more instances share them the same way.
        for (var i = 0; i < 2; i++)
        {
            jobs.Enqueue<DeliveryJobs>(j => j.RunCampaignAsync(campaignId, CancellationToken.None));
        }
    }

    public static RecurringJobDefinition Tick(DeliveryOptions options) =>
        new(TickJobId, options.TickCron, (manager, cron, jobOptions) =>
            manager.AddOrUpdate<DeliveryJobs>(TickJobId, j => j.TickAsync(CancellationToken.None), cron, jobOptions));
}

/// <summary>
/// Keeps the delivery table bounded: the rows of campaigns finished more than <see cref="DeliveryOptions.RowRetention"/>
/// ago become counts by outcome (<see cref="DeliveryPurge"/>). Short batches, each its own transaction, on
/// rows no sender, receipt or callback touches any more.
/// </summary>
public sealed class DeliveryPurgeJob(DeliveryPurge purge, TimeProvider clock, IOptions<DeliveryOptions> options, ILogger<DeliveryPurgeJob> logger)
{
    public const string Id = "delivery-row-purge";

    /// <summary>Rows a statement deletes.</summary>
    public const int Batch = 5000;

    // 03:45 Asia/Shanghai, after the inbound purge, when nothing is sent (quiet hours).
    public static RecurringJobDefinition Definition { get; } = new(Id, "45 3 * * *",
        (manager, cron, jobOptions) => manager.AddOrUpdate<DeliveryPurgeJob>(Id, j => j.RunAsync(CancellationToken.None), cron, jobOptions));

    [AutomaticRetry(Attempts = 3)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public async Task<long> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var deleted = await purge.PurgeAsync(now - options.Value.RowRetention, Batch, now, cancellationToken);
        logger.LogInformation("Purged {Count} delivery rows of finished campaigns (their counts are kept)", deleted);
        return deleted;
    }
}
