using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Delivery;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Server.Infrastructure;
using WechatKepu.Wechat;
using WechatKepu.Wechat.Api;
using WechatKepu.Wechat.Api.Models.Subscribe;
using WechatKepu.Wechat.Api.Models.Template;

namespace WechatKepu.Server.Features.Delivery;

/// <summary>
/// Sends one claimed row and turns WeChat's answer into its outcome. Template messages carry
/// <c>client_msg_id</c> = the row's id, so any resend of the row is deduplicated by WeChat; subscribe
/// messages have no such key and are never resent after an unanswered call.
/// </summary>
public sealed class DeliverySender(WechatClients clients, IOptions<DeliveryOptions> options, ILogger<DeliverySender> logger) : IDisposable
{
    public const string TemplatePath = "/cgi-bin/message/template/send";
    public const string SubscribePath = "/cgi-bin/message/subscribe/send";

    private readonly ConcurrentDictionary<string, RateLimiter?> _limiters = new(StringComparer.Ordinal);

    public async Task<DeliveryOutcome> SendAsync(ClaimedDelivery row, PreparedMessage message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var outcome = await SendOnceAsync(row, message, now, cancellationToken);
        KepuMetrics.Delivery(row.Channel, outcome.Status, outcome.Errcode);
        return outcome;
    }

    private async Task<DeliveryOutcome> SendOnceAsync(ClaimedDelivery row, PreparedMessage message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var subscribe = row.Channel == DeliveryChannels.MiniProgramSubscribe;
        try
        {
            await AcquireAsync(subscribe ? SubscribePath : TemplatePath, cancellationToken);
            string? msgId;
            if (subscribe)
            {
                var answer = await clients.MiniProgram.SendSubscribeMessageAsync(new SubscribeSendRequest(
                    row.OpenId, message.Stored.MpTemplateId ?? "", message.MpData, message.Stored.MpPage), cancellationToken);
                msgId = answer.MsgId;
            }
            else
            {
                var answer = await clients.ForOfficialAccount(row.AppId).SendTemplateMessageAsync(new TemplateSendRequest(
                    row.OpenId, message.Stored.OaTemplateId ?? "", message.OaData, message.Stored.OaUrl,
                    ClientMsgId: row.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), cancellationToken);
                msgId = answer.MsgId;
            }

            return new DeliveryOutcome(row.Id, DeliveryStatus.Sent, null, null, msgId, now);
        }
        catch (WechatApiException e)
        {
            return Classify(row, e, now);
        }
        catch (InvalidOperationException e)
        {
            // The account behind the row is no longer configured: nothing was sent.
            logger.LogError("Delivery {Id}: {Reason}", row.Id, e.Message);
            return new DeliveryOutcome(row.Id, DeliveryStatus.Failed, null, e.Message, null, now, Refund: row.GrantSpent);
        }
    }

    private DeliveryOutcome Classify(ClaimedDelivery row, WechatApiException e, DateTimeOffset now)
    {
        var subscribe = row.Channel == DeliveryChannels.MiniProgramSubscribe;
        switch (e.Kind)
        {
            case WechatErrorKind.Retryable or WechatErrorKind.Token:
                if (subscribe && e.IsTransport)
                {
                    // No answer: WeChat may have delivered it and there is no key to make a resend safe.
                    return new DeliveryOutcome(row.Id, DeliveryStatus.Unknown, e.Errcode, "发送结果未知：" + e.Errmsg, null, now, Unanswered: true);
                }

                var o = options.Value;
                if (e.RetryAfter is { } wait)
                {
                    // A per-minute limit (45011): nothing was sent and the message is never dropped for it.
                    var delay = o.Backoff(row.Attempts) > wait ? o.Backoff(row.Attempts) : wait;
                    return new DeliveryOutcome(row.Id, DeliveryStatus.Pending, e.Errcode, e.Reason, null, now + delay);
                }

                if (row.Attempts >= o.MaxAttempts)
                {
                    return e.IsTransport || row.UnknownSince is not null
                        ? new DeliveryOutcome(row.Id, DeliveryStatus.Unknown, e.Errcode, "发送结果未知：" + e.Reason, null, now, Unanswered: e.IsTransport)
                        : new DeliveryOutcome(row.Id, DeliveryStatus.Failed, e.Errcode, e.Errmsg, null, now);
                }

                var next = now + o.Backoff(row.Attempts);
                if (e.IsTransport || row.UnknownSince is not null)
                {
                    // WeChat may have delivered an unanswered attempt: the resend only stays a duplicate it drops while
                    // inside the client_msg_id window counted from that attempt; the dispatcher settles the row after it.
                    var since = row.UnknownSince is { } u ? new DateTimeOffset(DateTime.SpecifyKind(u, DateTimeKind.Utc)) : now;
                    var last = since + o.ResendWindow - TimeSpan.FromSeconds(30);
                    next = next < last ? next : last > now ? last : now;
                }

                return new DeliveryOutcome(row.Id, DeliveryStatus.Pending, e.Errcode, e.Errmsg, null, next, Unanswered: e.IsTransport);
            case WechatErrorKind.PermanentRequest or WechatErrorKind.Configuration:
                if (e.Kind == WechatErrorKind.Configuration)
                {
                    logger.LogError("Delivery {Id} refused for configuration ({Errcode} {Errmsg}): check the account's secret, IP whitelist and permissions",
                        row.Id, e.Errcode, e.Errmsg);
                }

                // Refused before anything was sent: a spent one-time grant goes back to the ledger.
                return new DeliveryOutcome(row.Id, DeliveryStatus.Failed, e.Errcode, e.Errmsg, null, now, Refund: row.GrantSpent);
            case WechatErrorKind.AlreadySent:
                return new DeliveryOutcome(row.Id, DeliveryStatus.Sent, null, null, e.ExistingMsgId, now);
            default:
                // User state (43101 no grant, 43004 not following, …) and anything unclassified: never retried.
                return new DeliveryOutcome(row.Id, DeliveryStatus.Failed, e.Errcode, e.Errmsg, null, now,
                    NotFollowing: e.Errcode == WechatErrors.NotFollower);
        }
    }

    private ValueTask AcquireAsync(string path, CancellationToken cancellationToken)
    {
        var limiter = _limiters.GetOrAdd(path, p => options.Value.RateLimits.TryGetValue(p, out var perSecond) && perSecond > 0
            ? new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                // Refilled ten times a second so that a burst never exceeds a tenth of the rate.
                TokenLimit = Math.Max(1, perSecond / 10),
                TokensPerPeriod = Math.Max(1, perSecond / 10),
                ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            })
            : null);
        return limiter is null ? ValueTask.CompletedTask : WaitAsync(limiter, cancellationToken);

        static async ValueTask WaitAsync(RateLimiter limiter, CancellationToken cancellationToken)
        {
            using var lease = await limiter.AcquireAsync(1, cancellationToken);
        }
    }

    public void Dispose()
    {
        foreach (var limiter in _limiters.Values)
        {
            limiter?.Dispose();
        }
    }
}

/// <summary>A campaign's message with its template data parsed once for all its rows.</summary>
public sealed class PreparedMessage(CampaignMessage stored)
{
    public CampaignMessage Stored => stored;

    public IReadOnlyDictionary<string, TemplateValue> MpData { get; } = Parse(stored.MpData);

    public IReadOnlyDictionary<string, TemplateValue> OaData { get; } = Parse(stored.OaData);

    private static Dictionary<string, TemplateValue> Parse(string? json) =>
        json is null
            ? []
            : JsonSerializer.Deserialize<Dictionary<string, string>>(json)!.ToDictionary(p => p.Key, p => new TemplateValue(p.Value));
}
