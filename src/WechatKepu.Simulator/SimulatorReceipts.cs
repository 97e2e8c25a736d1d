using System.Threading.Channels;

namespace WechatKepu.Simulator;

/// <summary>
/// The events WeChat would push back to the backend after a send (TEMPLATESENDJOBFINISH,
/// MASSSENDJOBFINISH, subscribe_msg_sent_event). The simulator only produces them; posting them,
/// signed and encrypted, to the backend's push URLs is the platform side's job (<c>Platform.ReceiptDelivery</c>).
/// </summary>
public abstract record SimulatorReceipt(string AppId, DateTimeOffset At);

/// <param name="Status"><c>success</c>, <c>failed:user block</c> or <c>failed: system failed</c>.</param>
public sealed record TemplateSendJobFinished(string AppId, DateTimeOffset At, string OpenId, long MsgId, string Status)
    : SimulatorReceipt(AppId, At);

public sealed record MassSendJobFinished(
    string AppId, DateTimeOffset At, long MsgId, int TotalCount, int FilterCount, int SentCount, int ErrorCount)
    : SimulatorReceipt(AppId, At);

/// <summary>A freepublish task finished: status 0 published (with the article's id and URLs), otherwise failed.</summary>
public sealed record PublishJobFinished(
    string AppId, DateTimeOffset At, string PublishId, int Status, string? ArticleId, IReadOnlyList<string> ArticleUrls, IReadOnlyList<int> FailedIndexes)
    : SimulatorReceipt(AppId, At);

/// <param name="ErrorCode">0 delivered; otherwise why not (43101: the user refused).</param>
public sealed record SubscribeMessageSent(string AppId, DateTimeOffset At, string OpenId, string TemplateId, long MsgId, int ErrorCode = 0)
    : SimulatorReceipt(AppId, At);

/// <summary>Receives receipts as sends succeed. Must be cheap and never block: it runs on the request path.</summary>
public interface IReceiptSink
{
    void Publish(SimulatorReceipt receipt);
}

/// <summary>Queues receipts for a consumer that posts them later; drops the oldest past its capacity.</summary>
public sealed class ChannelReceiptSink(int capacity = 100_000) : IReceiptSink
{
    private readonly Channel<SimulatorReceipt> _channel = Channel.CreateBounded<SimulatorReceipt>(
        new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public ChannelReader<SimulatorReceipt> Reader => _channel.Reader;

    public void Publish(SimulatorReceipt receipt) => _channel.Writer.TryWrite(receipt);
}
