using Dapper;
using Npgsql;

namespace WechatKepu.Data.Delivery;

/// <summary>A delivery row a worker has claimed (status <c>sending</c>).</summary>
/// <param name="UnknownSince">The first attempt that got no answer (WeChat may have delivered it): resends are safe only
/// within WeChat's client_msg_id window from then.</param>
public sealed record ClaimedDelivery(long Id, long CampaignId, string Channel, string AppId, string OpenId, int Attempts, bool GrantSpent,
    DateTime? UnknownSince = null);

/// <summary>What a campaign sends, as stored (data as JSON objects of keyword → value).</summary>
public sealed record CampaignMessage(
    long Id, string? MpTemplateId, string? MpData, string? MpPage, string? OaTemplateId, string? OaData, string? OaUrl);

/// <summary>How one claimed row ended (or when to try it again, with status pending).</summary>
/// <param name="Refund">Give its one-time grant back: WeChat refused the request before consuming anything.</param>
/// <param name="NotFollowing">WeChat answered 43004: remember that the follower left.</param>
/// <param name="Unanswered">The call got no answer: WeChat may have carried it out (starts the row's <c>unknown_since</c>).</param>
public readonly record struct DeliveryOutcome(
    long Id, string Status, int? Errcode, string? Errmsg, string? MsgId, DateTimeOffset NextAttemptAt, bool Refund = false, bool NotFollowing = false,
    bool Unanswered = false);

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
              AND (d.unknown_since IS NULL OR d.unknown_since > @windowStart)
            ORDER BY d.campaign_id, d.id
            LIMIT @limit
            FOR UPDATE OF d SKIP LOCKED
        )
        UPDATE deliveries d SET status = 'sending', claimed_at = @now, attempts = d.attempts + 1
        FROM picked WHERE d.id = picked.id
        RETURNING d.id, d.campaign_id, d.channel, d.app_id, d.openid, d.attempts, d.grant_spent, d.unknown_since
        """;

    /// <summary>
    /// Claims up to <paramref name="limit"/> due rows; in quiet hours only urgent campaigns' rows. A row whose
    /// unanswered attempt is older than <paramref name="resendWindow"/> is never claimed again: a resend could no
    /// longer be deduplicated by WeChat (<see cref="ResolveUnknownAsync"/> settles it instead).
    /// </summary>
    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(
        long? campaignId, DateTimeOffset now, bool quiet, int limit, TimeSpan resendWindow, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<ClaimedDelivery>(new CommandDefinition(ClaimSql,
            new { campaignId, now = now.UtcDateTime, quiet, limit, windowStart = (now - resendWindow).UtcDateTime },
            cancellationToken: cancellationToken))).AsList();
    }

    // Rows still waiting to be resent after an unanswered attempt, past the window in which WeChat would drop
    // the duplicate: if WeChat's receipt for that user arrived since (a template receipt no row claimed), the
    // first attempt was delivered and the row takes its msgid; otherwise the outcome stays unknown, and the
    // report says so. Never resent.
    private const string ResolveUnknownSql = """
        WITH expired AS (
            SELECT d.id, d.app_id, d.openid, d.unknown_since FROM deliveries d
            WHERE d.status = 'pending' AND d.unknown_since <= @windowStart
            ORDER BY d.id LIMIT 10000
            FOR UPDATE SKIP LOCKED
        ), found AS (
            SELECT DISTINCT ON (e.id) e.id AS delivery_id, r.id AS receipt_id, r.msg_id, r.status
            FROM expired e
            JOIN wechat_receipts r ON r.app_id = e.app_id AND r.openid = e.openid AND r.kind = 'template_send'
                 AND r.processed_at IS NULL AND r.msg_id ~ '^[0-9]+$' AND r.received_at >= e.unknown_since - interval '1 minute'
            WHERE NOT EXISTS (SELECT 1 FROM deliveries o WHERE o.app_id = r.app_id AND o.msg_id = r.msg_id)
            ORDER BY e.id, r.id
        ), closed AS (
            UPDATE wechat_receipts SET processed_at = @now WHERE id IN (SELECT receipt_id FROM found)
        )
        UPDATE deliveries d
        SET status = CASE WHEN f.delivery_id IS NULL THEN 'unknown' WHEN f.status = 'success' THEN 'sent' ELSE 'failed' END,
            msg_id = f.msg_id, receipt_status = f.status, receipt_at = CASE WHEN f.delivery_id IS NOT NULL THEN @now END,
            sent_at = CASE WHEN f.delivery_id IS NOT NULL THEN @now END,
            errmsg = CASE WHEN f.delivery_id IS NULL THEN '发送结果未知：微信未应答，已超过 10 分钟去重窗口，为免重复不再重发'
                          WHEN f.status = 'success' THEN NULL ELSE f.status END,
            claimed_at = NULL
        FROM expired e LEFT JOIN found f ON f.delivery_id = e.id
        WHERE d.id = e.id
        """;

    /// <summary>Settles rows whose unanswered attempt is older than <paramref name="resendWindow"/> (see the SQL); returns how many.</summary>
    public async Task<int> ResolveUnknownAsync(DateTimeOffset now, TimeSpan resendWindow, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition(ResolveUnknownSql,
            new { now = now.UtcDateTime, windowStart = (now - resendWindow).UtcDateTime }, cancellationToken: cancellationToken));
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
            next_attempt_at = o.next_at, claimed_at = NULL,
            unknown_since = CASE WHEN o.unanswered THEN coalesce(d.unknown_since, d.claimed_at, @now) ELSE d.unknown_since END
        FROM unnest(@ids, @statuses, @errcodes, @errmsgs, @msgIds, @nextAts, @unanswered)
             AS o (id, status, errcode, errmsg, msg_id, next_at, unanswered)
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
            unanswered = outcomes.Select(o => o.Unanswered).ToArray(),
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
            unknown_since = coalesce(unknown_since, claimed_at),
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
