using WechatKepu.Data.Delivery;

namespace WechatKepu.Server.Features.Delivery;

/// <summary>
/// The delivery side of WeChat's receipt events (TEMPLATESENDJOBFINISH, subscribe_msg_sent_event): the
/// callback stores each receipt and hands it here. Wire the callback's <c>IReceiptHandler</c> to
/// <see cref="ApplyAsync"/>.
/// </summary>
public sealed class DeliveryReceipts(DeliveryEngine engine, ILogger<DeliveryReceipts> logger)
{
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
