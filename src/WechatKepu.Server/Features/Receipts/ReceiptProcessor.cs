using System.Text.Json;
using WechatKepu.Data.Callback;
using WechatKepu.Data.Console;
using WechatKepu.Server.Features.Callback;
using WechatKepu.Server.Features.Delivery;

namespace WechatKepu.Server.Features.Receipts;

/// <summary>
/// The one <see cref="IReceiptHandler"/>: applies the receipt events the callback stored in
/// <c>wechat_receipts</c> to what they report on. TEMPLATESENDJOBFINISH and subscribe_msg_sent_event go to
/// the delivery engine (<see cref="DeliveryReceipts"/>; one that overtook its send's answer is retried by the
/// delivery tick); MASSSENDJOBFINISH completes its broadcast with WeChat's counts. Popup and change events
/// need nothing more: mini-program grants are recorded from the mini-program (<c>POST /api/mp/subscriptions</c>).
/// </summary>
public sealed class ReceiptProcessor(
    ReceiptStore receipts, DeliveryReceipts deliveries, BroadcastStore broadcasts, TimeProvider clock, ILogger<ReceiptProcessor> logger)
    : IReceiptHandler
{
    public async Task HandleAsync(string appId, IReadOnlyList<long> receiptIds, CancellationToken cancellationToken)
    {
        await deliveries.HandleAsync(appId, receiptIds, cancellationToken);

        var now = clock.GetUtcNow();
        var done = new List<long>();
        foreach (var r in await receipts.PendingAsync(receiptIds.ToArray(), now.AddDays(-1), receiptIds.Count, cancellationToken))
        {
            if (r.Kind == "mass_send" && long.TryParse(r.MsgId, out var msgId))
            {
                await FinishBroadcastAsync(r, msgId, cancellationToken);
                done.Add(r.Id);
            }
            else if (r.Kind is "subscribe_popup" or "subscribe_change")
            {
                done.Add(r.Id);
            }
        }

        await receipts.MarkProcessedAsync(done, now, cancellationToken);
    }

    private async Task FinishBroadcastAsync(ReceiptRow r, long msgId, CancellationToken cancellationToken)
    {
        using var payload = JsonDocument.Parse(r.Payload);
        int Count(string name) => payload.RootElement.TryGetProperty(name, out var v) && v.TryGetInt32(out var n) ? n : 0;
        var broadcast = await broadcasts.RecordMassJobFinishAsync(r.AppId, msgId, Count("total_count"), Count("filter_count"),
            Count("sent_count"), Count("error_count"), new DateTimeOffset(r.ReceivedAt, TimeSpan.Zero), cancellationToken);
        if (broadcast is null)
        {
            // e.g. a mass send made from WeChat's own admin page: nothing of ours to complete.
            logger.LogInformation("MASSSENDJOBFINISH {MsgId} of {AppId} matches no broadcast", msgId, r.AppId);
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
        return services;
    }
}
