using Dapper;
using Npgsql;

namespace WechatKepu.Data.Delivery;

/// <summary>A delivery row a worker has claimed (status <c>sending</c>).</summary>
public sealed record ClaimedDelivery(long Id, long CampaignId, string Channel, string AppId, string OpenId, int Attempts, bool GrantSpent);

/// <summary>What a campaign sends, as stored (data as JSON objects of keyword → value).</summary>
public sealed record CampaignMessage(
    long Id, string? MpTemplateId, string? MpData, string? MpPage, string? OaTemplateId, string? OaData, string? OaUrl);

/// <summary>How one claimed row ended (or when to try it again, with status pending).</summary>
/// <param name="Refund">Give its one-time grant back: WeChat refused the request before consuming anything.</param>
/// <param name="NotFollowing">WeChat answered 43004: remember that the follower left.</param>
public readonly record struct DeliveryOutcome(
    long Id, string Status, int? Errcode, string? Errmsg, long? MsgId, DateTimeOffset NextAttemptAt, bool Refund = false, bool NotFollowing = false);

/// <summary>
/// The queue side of the engine: claim rows with <c>FOR UPDATE SKIP LOCKED</c> (so any number of chunk
/// jobs on any number of instances share the work without overlap), record outcomes in one statement
/// per batch, recover rows a dead process left in <c>sending</c>, close finished campaigns.
/// </summary>
public sealed class DeliveryQueue(NpgsqlDataSource dataSource)
{
    // Campaigns first (a handful), then their pending rows: the partial index on (campaign_id, id)
    // keeps the claim cheap however many rows are already done.
    private const string ClaimSql = """
        WITH c AS (
            SELECT id FROM delivery_campaigns
            WHERE status = 'active' AND send_after <= @now AND (urgent OR NOT @quiet)
              AND (@campaignId::bigint IS NULL OR id = @campaignId)
        ), picked AS (
            SELECT d.id FROM deliveries d
            WHERE d.campaign_id IN (SELECT id FROM c) AND d.status = 'pending' AND d.next_attempt_at <= @now
            ORDER BY d.campaign_id, d.id
            LIMIT @limit
            FOR UPDATE OF d SKIP LOCKED
        )
        UPDATE deliveries d SET status = 'sending', claimed_at = @now, attempts = d.attempts + 1
        FROM picked WHERE d.id = picked.id
        RETURNING d.id, d.campaign_id, d.channel, d.app_id, d.openid, d.attempts, d.grant_spent
        """;

    /// <summary>Claims up to <paramref name="limit"/> due rows; in quiet hours only urgent campaigns' rows.</summary>
    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(
        long? campaignId, DateTimeOffset now, bool quiet, int limit, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<ClaimedDelivery>(new CommandDefinition(ClaimSql,
            new { campaignId, now = now.UtcDateTime, quiet, limit }, cancellationToken: cancellationToken))).AsList();
    }

    private const string CampaignsSql = """
        SELECT id, mp_template_id, mp_data::text AS mp_data, mp_page, oa_template_id, oa_data::text AS oa_data, oa_url
        FROM delivery_campaigns WHERE id = ANY (@ids)
        """;

    public async Task<IReadOnlyList<CampaignMessage>> LoadMessagesAsync(long[] campaignIds, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<CampaignMessage>(new CommandDefinition(CampaignsSql, new { ids = campaignIds }, cancellationToken: cancellationToken))).AsList();
    }

    // Only rows still 'sending' are written: a row cancelled or recovered meanwhile keeps that state.
    private const string RecordSql = """
        UPDATE deliveries d
        SET status = o.status, errcode = o.errcode, errmsg = o.errmsg, msg_id = coalesce(o.msg_id, d.msg_id),
            sent_at = CASE WHEN o.status = 'sent' THEN @now ELSE d.sent_at END,
            next_attempt_at = o.next_at, claimed_at = NULL
        FROM unnest(@ids, @statuses, @errcodes, @errmsgs, @msgIds, @nextAts) AS o (id, status, errcode, errmsg, msg_id, next_at)
        WHERE d.id = o.id AND d.status = 'sending'
        """;

    private const string RefundFailedSql = """
        WITH gone AS (
            SELECT id, mp_user_id, grant_spent, campaign_id FROM deliveries WHERE id = ANY (@ids) AND grant_spent
        )
        """ + DeliveryEngine.RefundSql;

    private const string NotFollowingSql = """
        UPDATE followers f SET not_following_at = @now, updated_at = @now
        FROM deliveries d WHERE d.id = ANY (@ids) AND f.app_id = d.app_id AND f.openid = d.openid
        """;

    /// <summary>Writes a batch of outcomes in one transaction.</summary>
    public async Task RecordAsync(IReadOnlyList<DeliveryOutcome> outcomes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (outcomes.Count == 0)
        {
            return;
        }

        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(RecordSql, new
        {
            ids = outcomes.Select(o => o.Id).ToArray(),
            statuses = outcomes.Select(o => o.Status).ToArray(),
            errcodes = outcomes.Select(o => o.Errcode).ToArray(),
            errmsgs = outcomes.Select(o => o.Errmsg).ToArray(),
            msgIds = outcomes.Select(o => o.MsgId).ToArray(),
            nextAts = outcomes.Select(o => o.NextAttemptAt.UtcDateTime).ToArray(),
            now = now.UtcDateTime,
        }, tx, cancellationToken: cancellationToken));
        if (outcomes.Where(o => o.Refund).Select(o => o.Id).ToArray() is { Length: > 0 } refunds)
        {
            await conn.ExecuteAsync(new CommandDefinition(RefundFailedSql, new { ids = refunds, now = now.UtcDateTime }, tx, cancellationToken: cancellationToken));
        }

        if (outcomes.Where(o => o.NotFollowing).Select(o => o.Id).ToArray() is { Length: > 0 } left)
        {
            await conn.ExecuteAsync(new CommandDefinition(NotFollowingSql, new { ids = left, now = now.UtcDateTime }, tx, cancellationToken: cancellationToken));
        }

        await tx.CommitAsync(cancellationToken);
    }

    // A row still 'sending' past the lease belonged to a process that died mid-send. A template message
    // goes again with the same client_msg_id (WeChat drops the duplicate); a subscribe message has no
    // idempotency key, so resending could deliver it twice: it is recorded as unknown instead.
    private const string RecoverSql = """
        UPDATE deliveries
        SET status = CASE WHEN channel = 'oa_template' THEN 'pending' ELSE 'unknown' END,
            errmsg = CASE WHEN channel = 'oa_template' THEN errmsg ELSE '发送中断，结果未知' END,
            next_attempt_at = @now, claimed_at = NULL
        WHERE status = 'sending' AND claimed_at < @staleBefore
        """;

    public async Task<int> RecoverStaleAsync(DateTimeOffset staleBefore, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition(RecoverSql,
            new { staleBefore = staleBefore.UtcDateTime, now = now.UtcDateTime }, cancellationToken: cancellationToken));
    }

    private const string CompleteSql = """
        UPDATE delivery_campaigns c SET status = 'completed', completed_at = @now
        WHERE c.status = 'active' AND c.send_after <= @now
          AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = c.id AND d.status IN ('pending', 'sending'))
        """;

    /// <summary>Marks active campaigns with nothing left to send as completed.</summary>
    public async Task<int> CompleteCampaignsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition(CompleteSql, new { now = now.UtcDateTime }, cancellationToken: cancellationToken));
    }
}
