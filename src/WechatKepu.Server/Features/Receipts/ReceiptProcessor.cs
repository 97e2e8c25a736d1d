using System.Text.Json;
using Hangfire;
using WechatKepu.Data.Callback;
using WechatKepu.Data.Console;
using WechatKepu.Server.Features.Callback;
using WechatKepu.Server.Features.Delivery;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Receipts;

/// <summary>
/// Applies WeChat's receipt events, stored by the callback in <c>wechat_receipts</c>, to what they report on:
/// TEMPLATESENDJOBFINISH and subscribe_msg_sent_event to delivery rows, MASSSENDJOBFINISH to broadcasts.
/// Runs right after the callback stores them; a receipt that overtook its send's own answer stays
/// unprocessed and the sweep job applies it a minute later. Popup and change events need nothing more:
/// mini-program grants are recorded from the mini-program (<c>POST /api/mp/subscriptions</c>).
/// </summary>
public sealed class ReceiptProcessor(
    ReceiptStore receipts, DeliveryReceipts deliveries, BroadcastStore broadcasts, TimeProvider clock, ILogger<ReceiptProcessor> logger)
    : IReceiptHandler
{
    public const string SweepJobId = "receipts-sweep";

    /// <summary>How long a receipt waits for its send before it is left alone.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromDays(1);

    public Task HandleAsync(string appId, IReadOnlyList<long> receiptIds, CancellationToken cancellationToken) =>
        ProcessAsync(receiptIds.ToArray(), cancellationToken);

    /// <summary>The sweep: every unprocessed receipt of the last day.</summary>
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(60)]
    public Task SweepAsync(CancellationToken cancellationToken) => ProcessAsync(null, cancellationToken);

    private async Task ProcessAsync(long[]? ids, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var done = new List<long>();
        foreach (var r in await receipts.PendingAsync(ids, now - Patience, 1000, cancellationToken))
        {
            if (await ApplyAsync(r, cancellationToken))
            {
                done.Add(r.Id);
            }
        }

        await receipts.MarkProcessedAsync(done, now, cancellationToken);
    }

    private async Task<bool> ApplyAsync(ReceiptRow r, CancellationToken cancellationToken)
    {
        if (!long.TryParse(r.MsgId, out var msgId))
        {
            return r.Kind is "subscribe_popup" or "subscribe_change";
        }

        var at = new DateTimeOffset(r.ReceivedAt, TimeSpan.Zero);
        switch (r.Kind)
        {
            case "template_send" or "subscribe_sent":
                return await deliveries.ApplyAsync(r.AppId, r.Openid, msgId, r.Status, at, cancellationToken);
            case "mass_send":
                using (var payload = JsonDocument.Parse(r.Payload))
                {
                    int Count(string name) => payload.RootElement.TryGetProperty(name, out var v) && v.TryGetInt32(out var n) ? n : 0;
                    var broadcast = await broadcasts.RecordMassJobFinishAsync(r.AppId, msgId, Count("total_count"),
                        Count("filter_count"), Count("sent_count"), Count("error_count"), at, cancellationToken);
                    if (broadcast is null)
                    {
                        logger.LogInformation("MASSSENDJOBFINISH {MsgId} of {AppId} matches no broadcast (sent elsewhere?)", msgId, r.AppId);
                    }

                    // A mass send not ours (e.g. sent from WeChat's own admin page) has nothing to update.
                    return true;
                }

            default:
                return true;
        }
    }
}

public static class ReceiptsSetup
{
    public static IServiceCollection AddReceipts(this IServiceCollection services)
    {
        services.AddSingleton<ReceiptProcessor>();
        // Replaces the callback's no-op default (registered with TryAdd).
        services.AddSingleton<IReceiptHandler>(sp => sp.GetRequiredService<ReceiptProcessor>());
        services.AddSingleton(new RecurringJobDefinition(ReceiptProcessor.SweepJobId, "* * * * *",
            (manager, cron, options) => manager.AddOrUpdate<ReceiptProcessor>(ReceiptProcessor.SweepJobId, p => p.SweepAsync(CancellationToken.None), cron, options)));
        return services;
    }
}
