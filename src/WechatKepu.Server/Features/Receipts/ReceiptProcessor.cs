using System.Text.Json;
using WechatKepu.Data.Broadcasts;
using WechatKepu.Data.Callback;
using WechatKepu.Server.Features.Callback;
using WechatKepu.Server.Features.Delivery;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Parents;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Wechat.Api;

namespace WechatKepu.Server.Features.Receipts;

/// <summary>
/// The one <see cref="IReceiptHandler"/>: applies the receipt events the callback stored in
/// <c>wechat_receipts</c> to what they report on. TEMPLATESENDJOBFINISH and subscribe_msg_sent_event go to
/// the delivery engine (<see cref="DeliveryReceipts"/>; one that overtook its send's answer is retried by the
/// delivery tick); MASSSENDJOBFINISH completes its broadcast with WeChat's counts. The mini-program's popup and
/// change events update the grant ledger (<see cref="GrantStore.ApplyPushAsync"/>): a popup accept counts once
/// together with the mini-program's own report of the same tap, a reject in settings zeroes the balance.
/// </summary>
public sealed class ReceiptProcessor(
    ReceiptStore receipts, DeliveryReceipts deliveries, BroadcastStore broadcasts, GrantStore grants, IOptions<WechatOptions> wechat,
    TimeProvider clock, ILogger<ReceiptProcessor> logger)
    : IReceiptHandler
{
    public async Task HandleAsync(string appId, IReadOnlyList<long> receiptIds, CancellationToken cancellationToken)
    {
        await deliveries.HandleAsync(appId, receiptIds, cancellationToken);

        var now = clock.GetUtcNow();
        var done = new List<long>();
        foreach (var r in await receipts.PendingAsync(receiptIds.ToArray(), now.AddDays(-1), receiptIds.Count, cancellationToken))
        {
            if (r.Kind == "mass_send" && WechatIdConverter.IsDigits(r.MsgId))
            {
                await FinishBroadcastAsync(r, r.MsgId!, cancellationToken);
                done.Add(r.Id);
            }
            else if (r.Kind is "subscribe_popup" or "subscribe_change")
            {
                var longTerm = wechat.Value.MiniProgram.Templates.Any(t => t.LongTerm && t.Id == r.TemplateId);
                if (r.TemplateId is { Length: > 0 } templateId
                    && !await grants.ApplyPushAsync(r.Openid, templateId, r.Kind["subscribe_".Length..], r.Status, longTerm, now, cancellationToken))
                {
                    logger.LogInformation("Subscribe event for {OpenId} of {AppId} matches no mini-program user", r.Openid, r.AppId);
                }

                done.Add(r.Id);
            }
        }

        await receipts.MarkProcessedAsync(done, now, cancellationToken);
    }

    private async Task FinishBroadcastAsync(ReceiptRow r, string msgId, CancellationToken cancellationToken)
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
