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
    ReceiptStore receipts, DeliveryReceipts deliveries, BroadcastStore broadcasts, ArticleStore articles, GrantStore grants, IOptions<WechatOptions> wechat,
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
            else if (r.Kind == "publish" && r.MsgId is { Length: > 0 } publishId)
            {
                await FinishPublishAsync(r, publishId, cancellationToken);
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

    /// <summary>PUBLISHJOBFINISH: status 0 published (with the article's URL); 1 still publishing (a later push settles it); otherwise failed.</summary>
    private async Task FinishPublishAsync(ReceiptRow r, string publishId, CancellationToken cancellationToken)
    {
        using var payload = JsonDocument.Parse(r.Payload);
        var status = payload.RootElement.TryGetProperty("publish_status", out var s) && s.TryGetInt32(out var n) ? n : -1;
        if (status == 1)
        {
            return;
        }

        var url = payload.RootElement.TryGetProperty("article_url", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        var error = status switch
        {
            0 => null,
            2 => "原创声明审核未通过（微信发布状态 2）",
            4 => "微信平台审核未通过（微信发布状态 4）",
            5 => "发布成功后已被删除（微信发布状态 5）",
            6 => "发布成功后被微信封禁（微信发布状态 6）",
            _ => $"发布失败（微信发布状态 {status}）",
        };
        if (await articles.RecordPublishFinishedAsync(r.AppId, publishId, status == 0, url, error, new DateTimeOffset(r.ReceivedAt, TimeSpan.Zero),
                cancellationToken) is null)
        {
            logger.LogInformation("PUBLISHJOBFINISH {PublishId} of {AppId} matches no article being published", publishId, r.AppId);
        }
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
