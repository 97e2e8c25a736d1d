namespace WechatKepu.Server.Features.Callback;

/// <summary>
/// Called after receipts (TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH, subscribe_msg_*) are stored in
/// <c>wechat_receipts</c>, with the new rows' ids, once per callback. The delivery engine registers its own
/// to apply them to delivery and grant rows and set <c>processed_at</c>; keep it quick (receipts come in
/// bursts and this runs within the callback's deadline), or hand the ids to a job.
/// </summary>
public interface IReceiptHandler
{
    Task HandleAsync(string appId, IReadOnlyList<long> receiptIds, CancellationToken cancellationToken);
}

/// <summary>The default: receipts stay stored, unprocessed, until something reads them.</summary>
public sealed class NoReceiptHandler : IReceiptHandler
{
    public Task HandleAsync(string appId, IReadOnlyList<long> receiptIds, CancellationToken cancellationToken) => Task.CompletedTask;
}
