using System.Threading.Channels;

namespace WechatKepu.Simulator.Platform;

/// <summary>How WeChat pushes to one account's URL: its platform side, the mode and, for a mini-program, JSON or XML.</summary>
/// <param name="Json">The mini-program's message push set to JSON (official accounts always get XML).</param>
public sealed record PushTarget(WechatPlatform Platform, CallbackMode Mode, bool Json = false);

/// <summary>
/// Posts the receipts the simulator produced the way WeChat does: TEMPLATESENDJOBFINISH and MASSSENDJOBFINISH to
/// the official account's URL, subscribe_msg_sent_event to the mini-program's message-push URL (in XML or JSON),
/// each signed, and encrypted in safe mode, with the ids the send returned.
/// </summary>
public sealed class ReceiptDelivery(IReadOnlyDictionary<string, PushTarget> targets)
{
    /// <summary>The FromUserName WeChat's mass-send receipts come from (a system account, not a follower).</summary>
    public const string MassHelperOpenId = "oPvJx0mJ8pLk3rP2mAssHelper00";

    /// <summary>The push body of <paramref name="receipt"/>, as WeChat writes it to <paramref name="originalId"/> (gh_…).</summary>
    public static string ToPush(SimulatorReceipt receipt, string originalId, bool json = false)
    {
        var at = receipt.At.ToUnixTimeSeconds();
        var xml = receipt switch
        {
            TemplateSendJobFinished t => PlatformMessages.TemplateSendJobFinish(originalId, t.OpenId, at, t.MsgId, t.Status),
            MassSendJobFinished m => PlatformMessages.MassSendJobFinish(originalId, MassHelperOpenId, at, m.MsgId,
                m.ErrorCount == 0 ? "send success" : "send fail", m.TotalCount, m.FilterCount, m.SentCount, m.ErrorCount),
            PublishJobFinished p => PlatformMessages.PublishJobFinish(originalId, MassHelperOpenId, at, p.PublishId, p.Status, p.ArticleId,
                p.ArticleUrls, p.FailedIndexes),
            SubscribeMessageSent s => PlatformMessages.SubscribeMsgSent(originalId, s.OpenId, at,
                (s.TemplateId, s.MsgId.ToString(System.Globalization.CultureInfo.InvariantCulture), s.ErrorCode)),
            _ => throw new ArgumentOutOfRangeException(nameof(receipt), receipt.GetType().Name),
        };
        return json ? PlatformMessages.AsJson(xml) : xml;
    }

    /// <summary>Posts one receipt; false when no push URL is known for its account.</summary>
    public async Task<bool> DeliverAsync(SimulatorReceipt receipt, CancellationToken cancellationToken = default)
    {
        if (!targets.TryGetValue(receipt.AppId, out var target))
        {
            return false;
        }

        await target.Platform.PostAsync(ToPush(receipt, target.Platform.Account.OriginalId, target.Json), target.Mode, cancellationToken);
        return true;
    }

    /// <summary>Posts every receipt queued in <paramref name="reader"/> now; returns how many were posted.</summary>
    public async Task<int> DeliverQueuedAsync(ChannelReader<SimulatorReceipt> reader, CancellationToken cancellationToken = default)
    {
        var posted = 0;
        while (reader.TryRead(out var receipt))
        {
            posted += await DeliverAsync(receipt, cancellationToken) ? 1 : 0;
        }

        return posted;
    }

    /// <summary>Posts receipts as they are produced until cancelled (what the real platform does, a moment after each send).</summary>
    public async Task RunAsync(ChannelReader<SimulatorReceipt> reader, CancellationToken cancellationToken)
    {
        await foreach (var receipt in reader.ReadAllAsync(cancellationToken))
        {
            try
            {
                await DeliverAsync(receipt, cancellationToken);
            }
            catch (Exception e) when (e is TimeoutException or HttpRequestException or PlatformReplyException)
            {
                // WeChat gives up after its three tries too; the backend's tick reconciles what it missed.
            }
        }
    }
}
