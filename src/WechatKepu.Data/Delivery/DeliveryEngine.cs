using System.Text.Json;
using Dapper;
using Npgsql;

namespace WechatKepu.Data.Delivery;

/// <summary>
/// The delivery engine's public surface: create a campaign and its delivery rows inside the caller's
/// transaction, cancel it, report on it, apply WeChat's receipts. Sending is done by the chunk jobs
/// (<c>DeliveryDispatcher</c> in the server), which claim pending rows with <c>FOR UPDATE SKIP LOCKED</c>.
/// </summary>
/// <example>
/// A staff broadcast to a topic's subscribers, created with the thing that causes it:
/// <code>
/// await using var conn = await dataSource.OpenConnectionAsync(ct);
/// await using var tx = await conn.BeginTransactionAsync(ct);
/// // … insert the broadcast's own row …
/// var created = await engine.CreateCampaignAsync(conn, tx,
///     new CampaignSpec(CampaignKinds.Broadcast, $"broadcast:{broadcastId}", "讲座改期通知", now,
///         new CampaignContent(OaAppId: appId, OaTemplateId: templateId, OaData: data, OaUrl: url), CreatedBy: staffName),
///     new DeliveryAudience.TopicSubscribers(topicId), now, ct);
/// await tx.CommitAsync(ct);
/// if (created is not null) deliveryJobs.Kick(created.CampaignId);   // optional: start now, not at the next tick
/// </code>
/// <c>engine</c> is the singleton from DI, <c>deliveryJobs</c> the server's <c>DeliveryJobs</c>. A broadcast to
/// a session's parents uses <see cref="DeliveryAudience.SessionParents"/>: each parent gets the mini-program
/// subscribe message when they hold a grant for <see cref="CampaignContent.MpTemplateId"/> (spent here), else
/// the official-account template when they follow <see cref="CampaignContent.OaAppId"/>, else a no_channel
/// row; so set both halves of the content. Report: <see cref="ReportAsync"/>; stop: <see cref="CancelCampaignAsync"/>.
/// </example>
/// <param name="miniProgramAppId">Written on mini-program rows so that receipts find them.</param>
public sealed class DeliveryEngine(NpgsqlDataSource dataSource, string? miniProgramAppId = null)
{
    private const string InsertCampaignSql = """
        INSERT INTO delivery_campaigns (kind, source, title, urgent, send_after, mp_template_id, mp_data, mp_page,
                                        oa_app_id, oa_template_id, oa_data, oa_url, session_id, topic_round_id,
                                        ref_starts_at, created_by, created_at)
        VALUES (@Kind, @Source, @Title, @Urgent, @SendAfter, @MpTemplateId, @MpData::jsonb, @MpPage,
                @OaAppId, @OaTemplateId, @OaData::jsonb, @OaUrl, @SessionId, @TopicRoundId,
                @RefStartsAt, @CreatedBy, @Now)
        ON CONFLICT (source) DO NOTHING
        RETURNING id
        """;

    private const string SetTotalSql = "UPDATE delivery_campaigns SET total = @total WHERE id = @id";

    // One parent, one row. The grant is spent here, in the caller's transaction, so that it is spent
    // exactly once however many times the row is (re)sent; the ledger names the row it paid for.
    private const string ParentsSql = """
        WITH aud AS ({0}),
        spent AS (
            UPDATE subscribe_grants g
            SET balance = g.balance - CASE WHEN g.long_term THEN 0 ELSE 1 END, updated_at = @now
            FROM aud
            WHERE @mpTemplateId::text IS NOT NULL AND g.user_id = aud.user_id AND g.template_id = @mpTemplateId
              AND (g.long_term OR g.balance > 0)
            RETURNING g.user_id, g.long_term
        ), ins AS (
            INSERT INTO deliveries (campaign_id, recipient, channel, app_id, openid, mp_user_id, grant_spent, status, next_attempt_at)
            SELECT @campaignId, 'u:' || u.id,
                   CASE WHEN sp.user_id IS NOT NULL THEN 'mp_subscribe' WHEN f.openid IS NOT NULL THEN 'oa_template' ELSE 'none' END,
                   CASE WHEN sp.user_id IS NOT NULL THEN @mpAppId WHEN f.openid IS NOT NULL THEN @oaAppId END,
                   CASE WHEN sp.user_id IS NOT NULL THEN u.openid ELSE f.openid END,
                   u.id,
                   sp.user_id IS NOT NULL AND NOT sp.long_term,
                   CASE WHEN sp.user_id IS NOT NULL OR f.openid IS NOT NULL THEN 'pending' ELSE 'no_channel' END,
                   @sendAfter
            FROM aud
            JOIN mp_users u ON u.id = aud.user_id
            LEFT JOIN spent sp ON sp.user_id = u.id
            LEFT JOIN LATERAL (
                SELECT fo.openid FROM followers fo
                WHERE @oaTemplateId::text IS NOT NULL AND fo.app_id = @oaAppId AND fo.unionid = u.unionid AND fo.subscribed
                ORDER BY fo.id LIMIT 1
            ) f ON sp.user_id IS NULL
            RETURNING id, mp_user_id, channel
        ), ledger AS (
            INSERT INTO subscribe_grant_ledger (user_id, template_id, delta, reason, created_at)
            SELECT ins.mp_user_id, @mpTemplateId, CASE WHEN sp.long_term THEN 0 ELSE -1 END, 'spent:' || ins.id, @now
            FROM ins JOIN spent sp ON sp.user_id = ins.mp_user_id
            WHERE ins.channel = 'mp_subscribe'
        )
        SELECT count(*)::int FROM ins
        """;

    private const string SessionParentsSql = """
        SELECT DISTINCT user_id FROM signups
        WHERE session_id = @refId AND status IN ('confirmed', 'checked_in') AND user_id IS NOT NULL
        """;

    private const string SignupParentsSql = "SELECT DISTINCT user_id FROM signups WHERE id = ANY (@refIds) AND user_id IS NOT NULL";

    private const string FollowersSql = """
        WITH ins AS (
            INSERT INTO deliveries (campaign_id, recipient, channel, app_id, openid, status, next_attempt_at)
            SELECT @campaignId, 'f:' || a.id, 'oa_template', a.app_id, a.openid, 'pending', @sendAfter
            FROM ({0}) a
            ON CONFLICT DO NOTHING
            RETURNING 1
        )
        SELECT count(*)::int FROM ins
        """;

    private const string TopicSubscribersSql = """
        SELECT f.id, f.app_id, f.openid
        FROM topic_subscriptions ts JOIN followers f ON f.id = ts.follower_id
        WHERE ts.topic_id = @refId AND ts.unsubscribed_at IS NULL AND f.subscribed
        """;

    private const string AccountFollowersSql = """
        SELECT id, app_id, openid FROM followers
        WHERE app_id = @appId AND subscribed AND (@tagId::int IS NULL OR @tagId::int = ANY (tag_ids))
        """;

    // Staff members (an organiser reminded to file a summary) by their own openid on the campaign's account.
    private const string StaffSql = """
        WITH ins AS (
            INSERT INTO deliveries (campaign_id, recipient, channel, app_id, openid, status, next_attempt_at)
            SELECT @campaignId, 's:' || s.id, 'oa_template', @oaAppId, s.openid, 'pending', @sendAfter
            FROM staff_accounts s
            WHERE s.id = ANY (@refIds) AND NOT s.disabled AND coalesce(s.openid, '') <> ''
            ON CONFLICT DO NOTHING
            RETURNING 1
        )
        SELECT count(*)::int FROM ins
        """;

    /// <summary>
    /// Creates the campaign and one delivery row per recipient in <paramref name="tx"/>; nothing is sent
    /// before the caller commits. Returns null when a campaign with the same source exists already.
    /// Parents holding a grant for the mini-program template have it spent here (ledger reason
    /// <c>spent:&lt;delivery id&gt;</c>); the others get the official-account template when they follow it
    /// (same unionid), else a <c>no_channel</c> row.
    /// </summary>
    public async Task<CampaignCreated?> CreateCampaignAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, CampaignSpec spec, DeliveryAudience audience, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var content = spec.Content;
        if (audience.IsParents ? content.MpTemplateId is null && content.OaTemplateId is null : content.OaTemplateId is null || content.OaAppId is null)
        {
            throw new ArgumentException("The campaign's content has no template for its audience.", nameof(spec));
        }

        var id = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(InsertCampaignSql, new
        {
            spec.Kind, spec.Source, spec.Title, spec.Urgent, SendAfter = spec.SendAfter.UtcDateTime,
            content.MpTemplateId, MpData = Json(content.MpData), content.MpPage,
            content.OaAppId, content.OaTemplateId, OaData = Json(content.OaData), content.OaUrl,
            spec.SessionId, spec.TopicRoundId, RefStartsAt = spec.RefStartsAt?.UtcDateTime, spec.CreatedBy, Now = now.UtcDateTime,
        }, tx, cancellationToken: cancellationToken));
        if (id is not { } campaignId)
        {
            return null;
        }

        var (sql, refId, refIds, appId, tagId) = audience switch
        {
            DeliveryAudience.SessionParents a => (string.Format(ParentsSql, SessionParentsSql), a.SessionId, null, null, null),
            DeliveryAudience.SignupParents a => (string.Format(ParentsSql, SignupParentsSql), 0L, a.SignupIds.ToArray(), null, null),
            DeliveryAudience.TopicSubscribers a => (string.Format(FollowersSql, TopicSubscribersSql), a.TopicId, null, null, null),
            DeliveryAudience.Followers a => (string.Format(FollowersSql, AccountFollowersSql), 0L, (long[]?)null, a.AppId, a.TagId),
            DeliveryAudience.StaffMembers a => (StaffSql, 0L, a.StaffIds.ToArray(), null, null),
            _ => throw new ArgumentOutOfRangeException(nameof(audience)),
        };

        var total = await conn.ExecuteScalarAsync<int>(new CommandDefinition(sql, new
        {
            campaignId, refId, refIds, appId, tagId, now = now.UtcDateTime, sendAfter = spec.SendAfter.UtcDateTime,
            mpTemplateId = content.MpTemplateId, mpAppId = miniProgramAppId, oaAppId = content.OaAppId, oaTemplateId = content.OaTemplateId,
        }, tx, cancellationToken: cancellationToken, commandTimeout: 300));
        await conn.ExecuteAsync(new CommandDefinition(SetTotalSql, new { id = campaignId, total }, tx, cancellationToken: cancellationToken));
        return new CampaignCreated(campaignId, total);
    }

    // Rows leaving the queue unsent ("gone": id, mp_user_id, grant_spent, campaign_id) give their
    // one-time grant back: WeChat never saw them.
    internal const string RefundSql = """
        , refund AS (
            UPDATE subscribe_grants g SET balance = g.balance + r.n, updated_at = @now
            FROM (SELECT gone.mp_user_id, c.mp_template_id, count(*)::int AS n
                  FROM gone JOIN delivery_campaigns c ON c.id = gone.campaign_id
                  WHERE gone.grant_spent AND gone.mp_user_id IS NOT NULL GROUP BY 1, 2) r
            WHERE g.user_id = r.mp_user_id AND g.template_id = r.mp_template_id
        ), refund_ledger AS (
            INSERT INTO subscribe_grant_ledger (user_id, template_id, delta, reason, created_at)
            SELECT gone.mp_user_id, c.mp_template_id, 1, 'refunded:' || gone.id, @now
            FROM gone JOIN delivery_campaigns c ON c.id = gone.campaign_id
            WHERE gone.grant_spent AND gone.mp_user_id IS NOT NULL
        )
        SELECT count(*)::int FROM gone
        """;

    private const string CancelCampaignSql = """
        UPDATE delivery_campaigns SET status = 'cancelled', cancelled_at = @now
        WHERE id = ANY (@ids) AND status = 'active'
        RETURNING id
        """;

    private const string CancelRowsOfCampaignsSql = """
        WITH gone AS (
            UPDATE deliveries SET status = 'cancelled'
            WHERE campaign_id = ANY (@ids) AND status = 'pending'
            RETURNING id, mp_user_id, grant_spent, campaign_id
        )
        """ + RefundSql;

    /// <summary>
    /// Cancels a campaign: its rows not yet sent are cancelled and their grants refunded; rows being sent
    /// right now finish. False when it was not active.
    /// </summary>
    public async Task<bool> CancelCampaignAsync(long campaignId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var cancelled = await CancelCampaignsAsync(conn, tx, [campaignId], now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return cancelled > 0;
    }

    /// <summary>Cancels campaigns inside the caller's transaction; returns how many were active.</summary>
    public static async Task<int> CancelCampaignsAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, long[] campaignIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ids = (await conn.QueryAsync<long>(new CommandDefinition(CancelCampaignSql,
            new { ids = campaignIds, now = now.UtcDateTime }, tx, cancellationToken: cancellationToken))).ToArray();
        if (ids.Length > 0)
        {
            await conn.ExecuteAsync(new CommandDefinition(CancelRowsOfCampaignsSql,
                new { ids, now = now.UtcDateTime }, tx, cancellationToken: cancellationToken));
        }

        return ids.Length;
    }

    private const string CampaignSql = """
        SELECT id, kind, source, title, urgent, status, send_after, total, created_by, created_at, completed_at, cancelled_at
        FROM delivery_campaigns WHERE id = @id
        """;

    // The rows still kept and the counts of those purged (0020_delivery_outcomes.sql): each row is in one of them.
    private const string CountsSql = """
        SELECT status, channel, errcode, sum(count)::int AS count
        FROM (SELECT status, channel, errcode, count(*) AS count FROM deliveries WHERE campaign_id = @id GROUP BY status, channel, errcode
              UNION ALL
              SELECT status, channel, errcode, count FROM delivery_outcomes WHERE campaign_id = @id) c
        GROUP BY status, channel, errcode ORDER BY status, channel, errcode NULLS FIRST
        """;

    private const string FailuresSql = """
        SELECT id, recipient, channel, openid, status, errcode, errmsg, attempts
        FROM deliveries WHERE campaign_id = @id AND status IN ('failed', 'unknown')
        ORDER BY id LIMIT @limit
        """;

    // Receipts that named no usable msgid, received after a row of this campaign to the same user went out
    // and while that row still waits for its receipt: they may be that row's, but no row is guessed.
    private const string UnmatchedReceiptsSql = """
        SELECT count(*)::int FROM wechat_receipts r
        WHERE r.unmatched IS NOT NULL AND EXISTS (
            SELECT 1 FROM deliveries d
            WHERE d.campaign_id = @id AND d.app_id = r.app_id AND d.openid = r.openid AND d.status = 'sent'
              AND d.receipt_status IS NULL AND d.sent_at <= r.received_at)
        """;

    /// <summary>Counts by outcome, channel and errcode, and the first <paramref name="maxFailures"/> failures; null when unknown.</summary>
    public async Task<CampaignReport?> ReportAsync(long campaignId, int maxFailures, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        var campaign = await conn.QuerySingleOrDefaultAsync<CampaignRow>(new CommandDefinition(CampaignSql, new { id = campaignId }, cancellationToken: cancellationToken));
        if (campaign is null)
        {
            return null;
        }

        var counts = await conn.QueryAsync<OutcomeCount>(new CommandDefinition(CountsSql, new { id = campaignId }, cancellationToken: cancellationToken));
        var failures = await conn.QueryAsync<DeliveryFailure>(new CommandDefinition(FailuresSql,
            new { id = campaignId, limit = maxFailures }, cancellationToken: cancellationToken));
        var unmatched = await conn.ExecuteScalarAsync<int>(new CommandDefinition(UnmatchedReceiptsSql, new { id = campaignId }, cancellationToken: cancellationToken));
        return new CampaignReport(campaign, counts.ToList(), failures.ToList(), unmatched);
    }

    private const string ListSql = """
        SELECT id, kind, source, title, urgent, status, send_after, total, created_by, created_at, completed_at, cancelled_at
        FROM delivery_campaigns
        WHERE (@kind::text IS NULL OR kind = @kind) AND (@status::text IS NULL OR status = @status)
        ORDER BY id DESC LIMIT @limit
        """;

    public async Task<IReadOnlyList<CampaignRow>> ListAsync(string? kind, string? status, int limit, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<CampaignRow>(new CommandDefinition(ListSql, new { kind, status, limit }, cancellationToken: cancellationToken))).ToList();
    }

    // Receipts in one statement, template (TEMPLATESENDJOBFINISH) and subscribe (subscribe_msg_sent_event)
    // alike: they come in bursts as large as a campaign, and each names the msgid the send returned, which
    // is the only thing a receipt is matched by (with the app and the openid). A failed receipt turns a sent
    // row into a failure (WeChat accepted it but could not deliver: user blocked the account, refused the
    // subscription, system failure); a success receipt only confirms. A subscribe receipt refused with 43101
    // also sets the user's balance for that template to zero: WeChat holds no grant for them any more. A
    // receipt whose row has no msg_id yet (the send's answer is not written) stays unprocessed for the next
    // pass; one without a usable msgid is closed as unmatched, never given to a guessed row.
    private const string ApplyReceiptsSql = """
        WITH unusable AS (
            UPDATE wechat_receipts SET processed_at = @now, unmatched = 'no_msg_id'
            WHERE id = ANY (@ids) AND processed_at IS NULL AND kind IN ('template_send', 'subscribe_sent')
              AND (msg_id IS NULL OR msg_id !~ '^[0-9]+$')
        ), r AS (
            SELECT id, app_id, openid, kind, msg_id, template_id, status,
                   CASE WHEN payload ? 'error_code' AND (payload->>'error_code') ~ '^-?[0-9]{1,9}$' THEN (payload->>'error_code')::int END AS error_code
            FROM wechat_receipts
            WHERE id = ANY (@ids) AND processed_at IS NULL AND kind IN ('template_send', 'subscribe_sent') AND msg_id ~ '^[0-9]+$'
            FOR UPDATE SKIP LOCKED
        ), hit AS (
            UPDATE deliveries d
            SET receipt_status = r.status, receipt_at = @now,
                status = CASE WHEN r.status <> 'success' THEN 'failed' ELSE d.status END,
                errcode = CASE WHEN r.status <> 'success' THEN coalesce(nullif(r.error_code, 0), d.errcode) ELSE d.errcode END,
                errmsg = CASE WHEN r.status <> 'success' THEN r.status ELSE d.errmsg END
            FROM r
            WHERE d.app_id = r.app_id AND d.msg_id = r.msg_id AND d.openid = r.openid AND d.status = 'sent'
              AND d.channel = CASE r.kind WHEN 'template_send' THEN 'oa_template' ELSE 'mp_subscribe' END
            RETURNING r.id, r.kind, r.error_code, r.template_id, d.id AS delivery_id, d.mp_user_id
        ), refused AS (
            SELECT g.user_id, g.template_id, g.balance, hit.delivery_id
            FROM hit JOIN subscribe_grants g ON g.user_id = hit.mp_user_id AND g.template_id = hit.template_id
            WHERE hit.kind = 'subscribe_sent' AND hit.error_code = 43101 AND (g.balance > 0 OR g.long_term)
            FOR UPDATE OF g
        ), zeroed AS (
            UPDATE subscribe_grants g SET balance = 0, long_term = false, updated_at = @now
            FROM refused WHERE g.user_id = refused.user_id AND g.template_id = refused.template_id
        ), zero_ledger AS (
            INSERT INTO subscribe_grant_ledger (user_id, template_id, delta, reason, created_at)
            SELECT user_id, template_id, -balance, 'refused:' || delivery_id, @now FROM refused
        )
        UPDATE wechat_receipts SET processed_at = @now WHERE id IN (SELECT id FROM hit)
        """;

    private const string PendingReceiptsSql = """
        SELECT id FROM wechat_receipts
        WHERE processed_at IS NULL AND kind IN ('template_send', 'subscribe_sent') AND received_at > @since
        ORDER BY id LIMIT @limit
        """;

    /// <summary>
    /// Applies receipts the callback stored in <c>wechat_receipts</c> (template and subscribe-message
    /// receipts; other kinds are not the engine's) to the rows whose msgid they name, and marks the applied
    /// ones processed. Returns how many were applied; the others wait for <see cref="ApplyPendingReceiptsAsync"/>.
    /// </summary>
    public async Task<int> ApplyStoredReceiptsAsync(IReadOnlyList<long> receiptIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition(ApplyReceiptsSql,
            new { ids = receiptIds.ToArray(), now = now.UtcDateTime }, cancellationToken: cancellationToken));
    }

    /// <summary>Retries stored receipts of the last day that found no row when they arrived.</summary>
    public async Task<int> ApplyPendingReceiptsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        var ids = (await conn.QueryAsync<long>(new CommandDefinition(PendingReceiptsSql,
            new { since = now.AddDays(-1).UtcDateTime, limit = 10_000 }, cancellationToken: cancellationToken))).AsList();
        return ids.Count == 0 ? 0 : await ApplyStoredReceiptsAsync(ids, now, cancellationToken);
    }

    private static string? Json(IReadOnlyDictionary<string, string>? data) => data is null ? null : JsonSerializer.Serialize(data);
}
