using System.Text.Json;
using Hangfire;
using Microsoft.Extensions.Options;
using WechatKepu.Data;
using WechatKepu.Data.Broadcasts;
using WechatKepu.Data.Delivery;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Wechat;
using WechatKepu.Wechat.Api;
using WechatKepu.Wechat.Api.Models.Custom;
using WechatKepu.Wechat.Api.Models.Mass;
using WechatKepu.Wechat.Api.Models.Template;

namespace WechatKepu.Server.Features.Broadcasts;

/// <summary>
/// Sends a broadcast. Idempotent: it acts only on a scheduled (or interrupted 'sending') broadcast, and every
/// WeChat send carries a key derived from the broadcast, so Hangfire's retry can never send twice.
/// </summary>
public sealed class BroadcastJob(
    BroadcastStore store, BroadcastReach reach, DeliveryEngine engine, Npgsql.NpgsqlDataSource db, WechatClients clients, IOptions<WechatOptions> wechat,
    IOptions<BroadcastOptions> quota, IBackgroundJobClient jobs, Delivery.DeliveryJobs deliveryJobs, TimeProvider clock, ILogger<BroadcastJob> log)
{
    [AutomaticRetry(Attempts = 5, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunAsync(long id, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (await store.GetAsync(id, ct) is not { Status: BroadcastStatus.Scheduled or BroadcastStatus.Sending } b)
        {
            return;
        }

        if (b.Status == BroadcastStatus.Scheduled && b.ScheduledAt is { } at && at > now.UtcDateTime.AddSeconds(5))
        {
            return; // rescheduled later: that job will send
        }

        var client = clients.ForOfficialAccount(b.AppId);
        var content = JsonSerializer.Deserialize<BroadcastContent>(b.Content, KepuJson.Web)!;
        if (b.Kind == BroadcastKind.Template)
        {
            if (await store.ClaimAsync(id, now, ct))
            {
                await HandOverAsync(b, content, now, ct);
            }

            return;
        }

        if (b.IsMass)
        {
            if (await store.MassSendsSinceAsync(b.AppId, now.AddMinutes(-1), ct) >= BroadcastsApi.MassPerMinute)
            {
                jobs.Schedule<BroadcastJob>(j => j.RunAsync(id, CancellationToken.None), now.AddMinutes(1));
                return;
            }

            var capped = await store.MassSendsSinceAsync(b.AppId, id, quota.Value.PeriodStart(now), ct) >= quota.Value.MassQuota;
            if (!await store.ClaimAsync(id, now, ct))
            {
                return;
            }

            if (capped)
            {
                await store.FinishAsync(id, BroadcastStatus.Failed, null, null, $"{quota.Value.PeriodName}群发次数已用完", now, ct);
                return;
            }

            await SendMassAsync(client, b, content, ct);
            return;
        }

        if (!await store.ClaimAsync(id, now, ct))
        {
            return;
        }

        await store.ExpandRecipientsAsync(b, ct);
        await SendEachAsync(client, b, content, ct);
    }

    /// <summary>
    /// Template messages go through the delivery engine: one campaign (source <c>broadcast:{id}</c>, so a
    /// retried job creates nothing twice) whose rows the engine sends exactly once each, with receipts.
    /// </summary>
    private async Task HandOverAsync(BroadcastRow b, BroadcastContent content, DateTimeOffset now, CancellationToken ct)
    {
        if (b.CampaignId is not null)
        {
            return;
        }

        DeliveryAudience audience = b.Audience switch
        {
            BroadcastAudience.Session => new DeliveryAudience.SessionParents(b.AudienceRef!.Value),
            BroadcastAudience.Topic => new DeliveryAudience.TopicSubscribers(b.AudienceRef!.Value),
            BroadcastAudience.Tag => new DeliveryAudience.Followers(b.AppId, (int)b.AudienceRef!.Value),
            _ => new DeliveryAudience.Followers(b.AppId),
        };
        var t = content.Template!;
        var spec = new CampaignSpec(CampaignKinds.Broadcast, $"broadcast:{b.Id}", b.Title, now,
            new CampaignContent(OaAppId: b.AppId, OaTemplateId: t.TemplateId, OaData: t.Data), CreatedBy: b.CreatedByName);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var created = await engine.CreateCampaignAsync(conn, tx, spec, audience, now, ct);
        if (created is not null)
        {
            await BroadcastStore.AttachCampaignAsync(conn, tx, b.Id, created.CampaignId, ct);
        }

        await tx.CommitAsync(ct);
        if (created is not null)
        {
            // Start sending now rather than at the next delivery tick.
            deliveryJobs.Kick(created.CampaignId);
        }
    }

    private async Task SendMassAsync(WechatApiClient client, BroadcastRow b, BroadcastContent content, CancellationToken ct)
    {
        var filter = b.Audience == BroadcastAudience.All ? MassFilter.All : MassFilter.Tag((int)b.AudienceRef!.Value);
        try
        {
            var sent = await client.MassSendAllAsync(new MassSendAllRequest(filter, Mass(content), ClientMsgId(b.Id)), ct);
            await store.FinishAsync(b.Id, BroadcastStatus.Sent, sent.MsgId, sent.MsgDataId, null, clock.GetUtcNow(), ct);
        }
        catch (WechatApiException e) when (e.Kind == WechatErrorKind.AlreadySent)
        {
            // An earlier attempt got through (its answer was lost): the clientmsgid names the one send.
            await store.FinishAsync(b.Id, BroadcastStatus.Sent, e.ExistingMsgId, null, null, clock.GetUtcNow(), ct);
        }
        catch (WechatApiException e) when (e.RetryAfter is { } wait)
        {
            // 45066 (the same clientmsgid again within a minute) or 45011: nothing went out. The broadcast stays
            // 'sending' and goes again after the wait, with the same clientmsgid.
            log.LogWarning("Broadcast {Id}: WeChat answered {Errcode}; sending again in {Wait}", b.Id, e.Errcode, wait);
            jobs.Schedule<BroadcastJob>(j => j.RunAsync(b.Id, CancellationToken.None), clock.GetUtcNow() + wait);
        }
        catch (WechatApiException e) when (!e.IsTransport && e.Kind is not (WechatErrorKind.Retryable or WechatErrorKind.Token))
        {
            await store.FinishAsync(b.Id, BroadcastStatus.Failed, null, null, $"{e.Errcode}: {e.Errmsg}", clock.GetUtcNow(), ct);
        }
    }

    private async Task SendEachAsync(WechatApiClient client, BroadcastRow b, BroadcastContent content, CancellationToken ct)
    {
        var pending = await store.PendingRecipientsAsync(b.Id, ct);
        var retryLater = false;
        if (pending.Count >= 2)
        {
            // A list of openids goes in mass sends of 2 to 10 000 (WeChat's limits), each keyed by its first openid.
            foreach (var chunk in MassSendRequest.Chunks(pending))
            {
                try
                {
                    await client.MassSendAsync(new MassSendRequest(chunk, MassContent.TextMessage(Text(content)), $"{ClientMsgId(b.Id)}-{chunk[0]}"), ct);
                    await store.MarkRecipientsAsync(b.Id, chunk, RecipientStatus.Sent, null, clock.GetUtcNow(), ct);
                }
                catch (WechatApiException e) when (e.Kind == WechatErrorKind.AlreadySent)
                {
                    await store.MarkRecipientsAsync(b.Id, chunk, RecipientStatus.Sent, null, clock.GetUtcNow(), ct);
                }
                catch (WechatApiException e) when (e.IsTransport || e.Kind is WechatErrorKind.Retryable or WechatErrorKind.Token)
                {
                    retryLater = true;
                }
                catch (WechatApiException e)
                {
                    await store.MarkRecipientsAsync(b.Id, chunk, RecipientStatus.Failed, e.Errcode, clock.GetUtcNow(), ct);
                }
            }
        }
        else
        {
            foreach (var openid in pending)
            {
                try
                {
                    await SendOneAsync(client, b, content, openid, ct);
                    await store.MarkRecipientsAsync(b.Id, [openid], RecipientStatus.Sent, null, clock.GetUtcNow(), ct);
                }
                catch (WechatApiException e) when (e.IsTransport)
                {
                    // A customer-service message has no idempotency key: WeChat may have delivered it, and a
                    // resend could deliver it twice. Recorded as unknown, never resent.
                    await store.MarkRecipientsAsync(b.Id, [openid], RecipientStatus.Unknown, e.Errcode, clock.GetUtcNow(), ct);
                }
                catch (WechatApiException e) when (e.Kind is WechatErrorKind.Retryable or WechatErrorKind.Token)
                {
                    retryLater = true; // WeChat said it did not send: stays pending for the retry
                }
                catch (WechatApiException e)
                {
                    var unreachable = e.Kind is WechatErrorKind.UserState or WechatErrorKind.ChannelClosed;
                    await store.MarkRecipientsAsync(b.Id, [openid], unreachable ? RecipientStatus.Skipped : RecipientStatus.Failed, e.Errcode, clock.GetUtcNow(), ct);
                }
            }
        }

        if (retryLater)
        {
            log.LogWarning("Broadcast {Id}: some sends failed for a passing reason; Hangfire retries the rest", b.Id);
            throw new InvalidOperationException($"Broadcast {b.Id}: retryable WeChat errors");
        }

        // Everyone refused or unmatched is not a success: a list that reached nobody fails, and says so.
        var reached = await reach.SentAsync(b.Id, ct) > 0;
        await store.FinishAsync(b.Id, reached ? BroadcastStatus.Completed : BroadcastStatus.Failed, null, null, reached ? null : BroadcastStatus.NobodyReached, clock.GetUtcNow(), ct);
    }

    // One recipient cannot be a mass/send list (WeChat wants at least two): a customer-service message instead.
    private Task SendOneAsync(WechatApiClient client, BroadcastRow b, BroadcastContent content, string openid, CancellationToken ct) =>
        client.SendCustomMessageAsync(CustomSendRequest.Text(openid, Text(content)), ct);

    /// <summary>Sends the broadcast to one staff member's openid only: mass preview, or the template itself.</summary>
    public async Task PreviewAsync(BroadcastRow b, string openid, CancellationToken ct)
    {
        var client = clients.ForOfficialAccount(b.AppId);
        var content = JsonSerializer.Deserialize<BroadcastContent>(b.Content, KepuJson.Web)!;
        if (b.Kind == BroadcastKind.Template)
        {
            await client.SendTemplateMessageAsync(Template(b, content, openid) with { ClientMsgId = null }, ct);
            return;
        }

        await client.MassPreviewAsync(new MassPreviewRequest(content switch
        {
            { Article: { } article } => MassContent.News(article.DraftMediaId),
            { Image: { } image } => MassContent.ImagePreview(image.MediaId),
            _ => MassContent.TextMessage(Text(content)),
        }, openid), ct);
    }

    /// <summary>What a mass send carries: the article's draft, the image's media_id, or text.</summary>
    private MassContent Mass(BroadcastContent c) => c switch
    {
        { Article: { } article } => MassContent.News(article.DraftMediaId),
        { Image: { } image } => MassContent.ImageMessage([image.MediaId]),
        _ => MassContent.TextMessage(Text(c)),
    };

    private TemplateSendRequest Template(BroadcastRow b, BroadcastContent content, string openid)
    {
        var t = content.Template!;
        var mp = wechat.Value.MiniProgram.AppId;
        return new TemplateSendRequest(openid, t.TemplateId!, t.Data!.ToDictionary(kv => kv.Key, kv => new TemplateValue(kv.Value)),
            MiniProgram: content.Page is not null && mp.Length > 0 ? new MiniProgramLink(mp, content.Page) : null,
            ClientMsgId: $"{ClientMsgId(b.Id)}-{openid}");
    }

    /// <summary>A news link goes out as text with the link (mass mpnews would need uploaded material); a page adds a mini-program link.</summary>
    private string Text(BroadcastContent c)
    {
        var text = c.News is { } n ? $"<a href=\"{n.Url}\">{n.Title}</a>\n{n.Description}" : c.Text ?? "";
        var mp = wechat.Value.MiniProgram.AppId;
        return c.Page is not null && mp.Length > 0
            ? $"{text}\n<a data-miniprogram-appid=\"{mp}\" data-miniprogram-path=\"{c.Page}\">打开小程序</a>"
            : text;
    }

    /// <summary>The broadcast's idempotency key at WeChat: one broadcast, one send.</summary>
    public static string ClientMsgId(long id) => $"kepu-b{id}";
}
