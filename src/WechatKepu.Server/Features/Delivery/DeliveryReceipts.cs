using WechatKepu.Data.Delivery;
using WechatKepu.Server.Features.Callback;

namespace WechatKepu.Server.Features.Delivery;

/// <summary>
/// The delivery side of WeChat's receipt events (TEMPLATESENDJOBFINISH, subscribe_msg_sent_event): the
/// callback stores them in <c>wechat_receipts</c> and calls <see cref="HandleAsync"/> with their ids; the
/// receipts are applied to the delivery rows whose msgid they name and marked processed. One that overtook the send's own
/// answer is applied again by the delivery tick.
/// </summary>
/// <remarks>Called through <c>Receipts.ReceiptProcessor</c>, the one <c>IReceiptHandler</c>, which also finishes broadcasts.</remarks>
public sealed class DeliveryReceipts(DeliveryEngine engine, TimeProvider clock)
{
    public async Task HandleAsync(string appId, IReadOnlyList<long> receiptIds, CancellationToken cancellationToken) =>
        await engine.ApplyStoredReceiptsAsync(receiptIds, clock.GetUtcNow(), cancellationToken);

    /// <summary>Applies stored receipts that found no sent row when they arrived (called by the tick).</summary>
    public Task<int> ApplyPendingAsync(CancellationToken cancellationToken) =>
        engine.ApplyPendingReceiptsAsync(clock.GetUtcNow(), cancellationToken);
}
