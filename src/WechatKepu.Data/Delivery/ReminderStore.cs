using Dapper;
using Npgsql;

namespace WechatKepu.Data.Delivery;

public sealed record DueSessionReminder(
    long SessionId, DateTime StartsAt, string Title, string ActivityTitle, string ShortName, string Venue, int Minutes);

/// <param name="Detail">For a cancellation the reason staff gave; for a change what it was before.</param>
public sealed record PendingNotice(
    long Id, string Kind, long SessionId, long SignupId, string Title, string ActivityTitle, string ShortName, DateTime StartsAt, string Venue,
    string? Detail);

/// <param name="Place">The venue of the topic's activity, if it has one.</param>
public sealed record DueTopicRound(
    long RoundId, string RoundTitle, DateTime StartsAt, long TopicId, string AppId, string TopicName, string Description, string TemplateId,
    string? Url, string? Place, string? TemplateFields = null);

/// <summary>A campaign about a session as staff see it: what parents read (the template values) and how far it got.</summary>
public sealed record SessionNoticeRow(long Id, string Kind, string Title, string Status, DateTime CreatedAt, string? MpData, string? OaData, int Sent, int Total);

/// <summary>
/// What the reminder planner reads and reconciles: due session reminders and topic rounds, and the
/// promotion and cancellation events not yet notified. The campaign source names the session's or
/// round's start instant, so a moved session or round is due again under a new source, and the
/// campaigns of its old time are cancelled here.
/// </summary>
public sealed class ReminderStore(NpgsqlDataSource dataSource)
{
    public static string SessionReminderSource(long sessionId, int minutes, DateTimeOffset startsAt) =>
        $"session-reminder:{sessionId}:{minutes}:{startsAt.ToUnixTimeSeconds()}";

    public static string TopicRoundSource(long roundId, DateTimeOffset startsAt) => $"topic-round:{roundId}:{startsAt.ToUnixTimeSeconds()}";

    public static string NoticeSource(string kind, long sessionId, long firstEventId) => $"{kind}:{sessionId}:{firstEventId}";

    private const string StaleCampaignsSql = """
        SELECT c.id FROM delivery_campaigns c JOIN sessions s ON s.id = c.session_id
        WHERE c.status = 'active' AND c.kind = 'session_reminder'
          AND (s.status = 'cancelled' OR s.starts_at IS DISTINCT FROM c.ref_starts_at)
        UNION ALL
        SELECT c.id FROM delivery_campaigns c
        JOIN reminder_topic_rounds r ON r.id = c.topic_round_id JOIN reminder_topics t ON t.id = r.topic_id
        WHERE c.status = 'active' AND c.kind = 'topic_round'
          AND (r.status = 'cancelled' OR NOT t.enabled OR r.starts_at IS DISTINCT FROM c.ref_starts_at)
        """;

    // A parent whose children's sign-ups for the session are all cancelled gets no reminder.
    private const string CancelledSignupRowsSql = """
        WITH gone AS (
            UPDATE deliveries d SET status = 'cancelled'
            FROM delivery_campaigns c
            WHERE d.campaign_id = c.id AND c.kind = 'session_reminder' AND c.status = 'active' AND d.status = 'pending'
              AND NOT EXISTS (SELECT 1 FROM signups s
                              WHERE s.session_id = c.session_id AND s.user_id = d.mp_user_id AND s.status IN ('confirmed', 'checked_in'))
            RETURNING d.id, d.mp_user_id, d.grant_spent, d.campaign_id
        )
        """ + DeliveryEngine.RefundSql;

    /// <summary>Cancels what was planned for a moved or cancelled session or round, or a cancelled sign-up; refunds grants.</summary>
    public async Task<(int Campaigns, int Rows)> ReconcileAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var stale = (await conn.QueryAsync<long>(new CommandDefinition(StaleCampaignsSql, transaction: tx, cancellationToken: cancellationToken))).ToArray();
        var campaigns = stale.Length > 0 ? await DeliveryEngine.CancelCampaignsAsync(conn, tx, stale, now, cancellationToken) : 0;
        var rows = await conn.ExecuteScalarAsync<int>(new CommandDefinition(CancelledSignupRowsSql, new { now = now.UtcDateTime }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return (campaigns, rows);
    }

    // The latest offset due wins: a parent who signs up three hours before the start gets the 2 h
    // reminder only, not a late 24 h one followed by the 2 h one. An offset is overdue once less than
    // half of it is left (a session created or moved 2 h 11 min before its start): it is skipped, not
    // sent late with a wrong promise; the next smaller offset reminds them in time.
    private const string DueSessionsSql = """
        SELECT s.id AS session_id, s.starts_at, s.title, a.title AS activity_title, a.short_name, s.venue, o.minutes
        FROM sessions s
        JOIN activities a ON a.id = s.activity_id
        CROSS JOIN LATERAL (
            SELECT min(m) AS minutes FROM unnest(@offsets) AS m
            WHERE s.starts_at - make_interval(mins => m) <= @now AND s.starts_at - @now >= make_interval(secs => m * 30)
        ) o
        WHERE s.status <> 'cancelled' AND s.starts_at > @now AND s.starts_at <= @horizon AND o.minutes IS NOT NULL
          AND EXISTS (SELECT 1 FROM signups g WHERE g.session_id = s.id AND g.status = 'confirmed')
          AND NOT EXISTS (SELECT 1 FROM delivery_campaigns c
                          WHERE c.source = 'session-reminder:' || s.id || ':' || o.minutes || ':' || floor(extract(epoch FROM s.starts_at))::bigint)
        ORDER BY s.starts_at
        """;

    public async Task<IReadOnlyList<DueSessionReminder>> DueSessionRemindersAsync(int[] offsetMinutes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<DueSessionReminder>(new CommandDefinition(DueSessionsSql, new
        {
            offsets = offsetMinutes, now = now.UtcDateTime, horizon = now.AddMinutes(offsetMinutes.Max()).UtcDateTime,
        }, cancellationToken: cancellationToken))).AsList();
    }

    private const string PendingNoticesSql = """
        SELECT e.id, e.kind, e.session_id, e.signup_id, s.title, a.title AS activity_title, a.short_name, s.starts_at, s.venue, e.detail
        FROM signup_events e
        JOIN sessions s ON s.id = e.session_id JOIN activities a ON a.id = s.activity_id
        WHERE e.notified_at IS NULL AND e.kind IN ('promoted', 'session_cancelled', 'session_changed')
        ORDER BY e.id
        LIMIT @limit
        FOR UPDATE OF e SKIP LOCKED
        """;

    /// <summary>Locks up to <paramref name="limit"/> un-notified promotion and cancellation events in the caller's transaction.</summary>
    public static async Task<IReadOnlyList<PendingNotice>> LockPendingNoticesAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, int limit, CancellationToken cancellationToken) =>
        (await conn.QueryAsync<PendingNotice>(new CommandDefinition(PendingNoticesSql, new { limit }, tx, cancellationToken: cancellationToken))).AsList();

    public static Task MarkNotifiedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long[] eventIds, DateTimeOffset now, CancellationToken cancellationToken) =>
        conn.ExecuteAsync(new CommandDefinition("UPDATE signup_events SET notified_at = @now WHERE id = ANY (@eventIds)",
            new { eventIds, now = now.UtcDateTime }, tx, cancellationToken: cancellationToken));

    private const string SessionNoticesSql = """
        SELECT c.id, c.kind, c.title, c.status, c.created_at, c.mp_data::text AS mp_data, c.oa_data::text AS oa_data,
               (d.sent + coalesce(o.sent, 0))::int AS sent, (d.total + coalesce(o.total, 0))::int AS total
        FROM delivery_campaigns c
        CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE status = 'sent') AS sent, count(*) AS total FROM deliveries WHERE campaign_id = c.id) d
        CROSS JOIN LATERAL (SELECT sum(count) FILTER (WHERE status = 'sent') AS sent, sum(count) AS total
                            FROM delivery_outcomes WHERE campaign_id = c.id) o
        WHERE c.session_id = @sessionId
        ORDER BY c.id
        """;

    /// <summary>The reminders and notices planned for a session's parents, oldest first.</summary>
    public async Task<IReadOnlyList<SessionNoticeRow>> SessionNoticesAsync(long sessionId, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<SessionNoticeRow>(new CommandDefinition(SessionNoticesSql, new { sessionId }, cancellationToken: cancellationToken))).AsList();
    }

    private const string DueRoundsSql = """
        SELECT r.id AS round_id, r.title AS round_title, r.starts_at, t.id AS topic_id, t.app_id, t.name AS topic_name,
               t.description, t.template_id, t.url, a.venue AS place, t.template_fields::text AS template_fields
        FROM reminder_topic_rounds r JOIN reminder_topics t ON t.id = r.topic_id
        LEFT JOIN activities a ON a.id = t.activity_id
        WHERE r.status = 'scheduled' AND t.enabled AND topic_template_usable(t.app_id, t.template_id, t.template_fields)
          AND r.starts_at > @now AND r.starts_at - make_interval(mins => t.offset_minutes) <= @now
          AND NOT EXISTS (SELECT 1 FROM delivery_campaigns c
                          WHERE c.source = 'topic-round:' || r.id || ':' || floor(extract(epoch FROM r.starts_at))::bigint)
        ORDER BY r.starts_at
        """;

    public async Task<IReadOnlyList<DueTopicRound>> DueTopicRoundsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<DueTopicRound>(new CommandDefinition(DueRoundsSql, new { now = now.UtcDateTime }, cancellationToken: cancellationToken))).AsList();
    }
}
