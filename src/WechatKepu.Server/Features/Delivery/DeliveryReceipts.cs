using WechatKepu.Data.Delivery;
using WechatKepu.Server.Features.Callback;

namespace WechatKepu.Server.Features.Delivery;

/// <summary>
/// The delivery side of WeChat's receipt events (TEMPLATESENDJOBFINISH, subscribe_msg_sent_event): the
/// callback stores them in <c>wechat_receipts</c> and calls <see cref="HandleAsync"/> with their ids; the
/// receipts are applied to their delivery rows and marked processed. One that overtook the send's own
/// answer is applied again by the delivery tick.
/// </summary>
/// <remarks>Called through <c>Receipts.ReceiptProcessor</c>, the one <c>IReceiptHandler</c>, which also finishes broadcasts.</remarks>
public sealed class DeliveryReceipts(DeliveryEngine engine, TimeProvider clock, ILogger<DeliveryReceipts> logger)
{
    public async Task HandleAsync(string appId, IReadOnlyList<long> receiptIds, CancellationToken cancellationToken) =>
        await engine.ApplyStoredReceiptsAsync(receiptIds, clock.GetUtcNow(), cancellationToken);

    /// <summary>Applies stored receipts that found no sent row when they arrived (called by the tick).</summary>
    public Task<int> ApplyPendingAsync(CancellationToken cancellationToken) =>
        engine.ApplyPendingReceiptsAsync(clock.GetUtcNow(), cancellationToken);

    /// <param name="status">TEMPLATESENDJOBFINISH's Status (<c>success</c>, <c>failed:user block</c>, <c>failed: system failed</c>)
    /// or a subscribe_msg_sent_event item's ErrorStatus (<c>success</c>, or the failure).</param>
    /// <returns>False when no sent row matches yet (the receipt overtook the send's answer): apply it again later.</returns>
    public async Task<bool> ApplyAsync(string appId, string openId, long msgId, string status, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var applied = await engine.ApplyReceiptAsync(appId, openId, msgId, status, at, cancellationToken);
        if (!applied)
        {
            logger.LogDebug("Receipt {AppId}/{MsgId} matches no sent delivery yet", appId, msgId);
        }

        return applied;
    }
}
