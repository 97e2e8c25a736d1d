using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Delivery;

namespace WechatKepu.Server.Features.Delivery;

/// <summary>
/// The chunk loop the jobs run: a few workers each claim a batch of due rows (SKIP LOCKED, so other
/// workers and instances never get the same row), send it with bounded concurrency under the per-API
/// rate limits, and write the batch's outcomes in one statement. Runs until nothing is due; then closes
/// finished campaigns. Callable directly, which is how tests drive it with their clock.
/// </summary>
public sealed class DeliveryDispatcher(
    DeliveryQueue queue, DeliverySender sender, IEnumerable<ICampaignsEnded> ended, IOptions<DeliveryOptions> options, TimeProvider clock,
    ILogger<DeliveryDispatcher> logger)
{
    // One run at a time per instance keeps Workers × ConcurrencyPerWorker the instance's real bound even
    // when ticks overlap (a long campaign outlives the next tick) or chunk jobs arrive meanwhile: the
    // running one already loops until nothing is due.
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>
    /// Sends every row due now, of one campaign or of all; returns how many rows were attempted, or 0 at
    /// once when this instance is already running (that run picks the rows up).
    /// </summary>
    public async Task<int> RunAsync(long? campaignId = null, CancellationToken cancellationToken = default)
    {
        if (!await _gate.WaitAsync(0, cancellationToken))
        {
            return 0;
        }

        try
        {
            return await RunExclusiveAsync(campaignId, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<int> RunExclusiveAsync(long? campaignId, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        var recovered = await queue.RecoverStaleAsync(now - o.SendingLease, now, cancellationToken);
        if (recovered > 0)
        {
            logger.LogWarning("Recovered {Count} deliveries left in 'sending' by a stopped process", recovered);
        }

        var settled = await queue.ResolveUnknownAsync(now, o.ResendWindow, cancellationToken);
        if (settled > 0)
        {
            logger.LogWarning("Settled {Count} deliveries whose unanswered send is past WeChat's client_msg_id window, without resending", settled);
        }

        var messages = new ConcurrentDictionary<long, PreparedMessage>();
        var counts = await Task.WhenAll(Enumerable.Range(0, o.Workers).Select(_ => WorkAsync(campaignId, messages, cancellationToken)));
        await queue.CompleteCampaignsAsync(clock.GetUtcNow(), cancellationToken);
        foreach (var handler in ended)
        {
            await handler.CampaignsEndedAsync(clock.GetUtcNow(), cancellationToken);
        }

        return counts.Sum();
    }

    private async Task<int> WorkAsync(long? campaignId, ConcurrentDictionary<long, PreparedMessage> messages, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var attempted = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            var batch = await queue.ClaimAsync(campaignId, now, o.QuietHours.Contains(now), o.BatchSize, o.ResendWindow, cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            if (batch.Select(r => r.CampaignId).Distinct().Where(id => !messages.ContainsKey(id)).ToArray() is { Length: > 0 } missing)
            {
                foreach (var message in await queue.LoadMessagesAsync(missing, cancellationToken))
                {
                    messages.TryAdd(message.Id, new PreparedMessage(message));
                }
            }

            var outcomes = new DeliveryOutcome[batch.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, batch.Count),
                new ParallelOptions { MaxDegreeOfParallelism = o.ConcurrencyPerWorker, CancellationToken = cancellationToken },
                async (i, ct) => outcomes[i] = await sender.SendAsync(batch[i], messages[batch[i].CampaignId], clock.GetUtcNow(), ct));

            // Not cancellable: what WeChat already accepted must be written down.
            await queue.RecordAsync(outcomes, clock.GetUtcNow(), CancellationToken.None);
            attempted += batch.Count;
        }

        return attempted;
    }
}
