using Dapper;
using Npgsql;
using WechatKepu.Data.Console;
using WechatKepu.Data.Staff;

namespace WechatKepu.Data.Broadcasts;

public sealed record BroadcastRow
{
    public long Id { get; init; }
    public string AppId { get; init; } = "";
    public string Title { get; init; } = "";
    public string Kind { get; init; } = "";
    public string Content { get; init; } = "{}";
    public string Audience { get; init; } = "";
    public long? AudienceRef { get; init; }
    public string Status { get; init; } = "";
    public DateTime? ScheduledAt { get; init; }
    public DateTime? StartedAt { get; init; }
    public DateTime? FinishedAt { get; init; }
    public string? MsgId { get; init; }
    public string? Error { get; init; }
    public long? CampaignId { get; init; }
    public int? TotalCount { get; init; }
    public int? FilterCount { get; init; }
    public int? SentCount { get; init; }
    public int? ErrorCount { get; init; }
    public long? CreatedBy { get; init; }
    public string CreatedByName { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public int Recipients { get; init; }
    public int RecipientsSent { get; init; }
    public int RecipientsFailed { get; init; }

    /// <summary>All followers or a tag: one mass sendall, counted against the monthly cap.</summary>
    public bool IsMass => Audience is BroadcastAudience.All or BroadcastAudience.Tag;
}

public sealed record BroadcastRecipientRow(string? Openid, string Status, int? Errcode, DateTime? SentAt);

public sealed record NewBroadcast(string AppId, string Title, string Kind, string Content, string Audience, long? AudienceRef, long? ArticleId = null);

/// <summary>Broadcasts and their recipients. Status moves only forward, each step guarded by the status it leaves.</summary>
public sealed class BroadcastStore(NpgsqlDataSource dataSource, AuditLog audit)
{
    private const string Columns = $"""
        b.id, b.app_id, b.title, b.kind, b.content::text AS content, b.audience, b.audience_ref, b.status, b.scheduled_at, b.started_at,
        b.finished_at, b.msg_id, b.error, b.campaign_id, b.total_count, b.filter_count, b.sent_count, b.error_count, b.created_by, b.created_by_name, b.created_at,
        (SELECT count(*) FROM broadcast_recipients r WHERE r.broadcast_id = b.id)::int AS recipients,
        (SELECT count(*) FROM broadcast_recipients r WHERE r.broadcast_id = b.id AND r.status = '{RecipientStatus.Sent}')::int AS recipients_sent,
        (SELECT count(*) FROM broadcast_recipients r WHERE r.broadcast_id = b.id AND r.status IN ('{RecipientStatus.Failed}', '{RecipientStatus.Skipped}'))::int AS recipients_failed
        """;

    private const string InsertSql = """
        INSERT INTO broadcasts (app_id, title, kind, content, audience, audience_ref, article_id, created_by, created_by_name, created_at, updated_at)
        VALUES (@AppId, @Title, @Kind, @Content::jsonb, @Audience, @AudienceRef, @ArticleId, @by, @byName, @now, @now)
        RETURNING id
        """;

    public async Task<long> CreateAsync(NewBroadcast b, StaffActor actor, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var p = new DynamicParameters(b);
        p.AddDynamicParams(new { by = actor.Id, byName = actor.Name, now = now.UtcDateTime });
        var id = await conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertSql, p, tx, cancellationToken: ct));
        await audit.WriteAsync(actor.Id, actor.Name, "broadcast.create", $"broadcast:{id}", new { b.Title, b.Kind, b.Audience, b.AudienceRef }, now, ct, conn, tx);
        await tx.CommitAsync(ct);
        return id;
    }

    private const string GetSql = $"SELECT {Columns} FROM broadcasts b WHERE b.id = @id";

    public async Task<BroadcastRow?> GetAsync(long id, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<BroadcastRow>(new CommandDefinition(GetSql, new { id }, cancellationToken: ct));
    }

    private const string ListSql = $"SELECT {Columns} FROM broadcasts b ORDER BY b.id DESC LIMIT 200";

    public async Task<IReadOnlyList<BroadcastRow>> ListAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<BroadcastRow>(new CommandDefinition(ListSql, cancellationToken: ct))).ToList();
    }

    private const string RecipientsSql = "SELECT openid, status, errcode, sent_at FROM broadcast_recipients WHERE broadcast_id = @id ORDER BY openid LIMIT 1000";

    public async Task<IReadOnlyList<BroadcastRecipientRow>> RecipientsAsync(long id, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<BroadcastRecipientRow>(new CommandDefinition(RecipientsSql, new { id }, cancellationToken: ct))).ToList();
    }

    private const string MoveSql = """
        UPDATE broadcasts SET status = @to, scheduled_at = coalesce(@at, scheduled_at), updated_at = @now
        WHERE id = @id AND status = ANY (@from)
        RETURNING id
        """;

    /// <summary>Moves a broadcast from one of <paramref name="from"/> to <paramref name="to"/>, audited; false when it was not in one of them.</summary>
    public async Task<bool> MoveAsync(long id, string[] from, string to, DateTimeOffset? at, StaffActor actor, string action, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var moved = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(MoveSql,
            new { id, from, to, at = at?.UtcDateTime, now = now.UtcDateTime }, tx, cancellationToken: ct)) is not null;
        if (moved)
        {
            await audit.WriteAsync(actor.Id, actor.Name, action, $"broadcast:{id}", new { to, at }, now, ct, conn, tx);
        }

        await tx.CommitAsync(ct);
        return moved;
    }

    private const string MassThisMonthSql = $"""
        SELECT count(*) FROM broadcasts
        WHERE app_id = @appId AND audience IN ('{BroadcastAudience.All}', '{BroadcastAudience.Tag}') AND id <> @id AND msg_id IS NOT NULL AND started_at >= @monthStart
        """;

    /// <summary>Mass sends (all followers / a tag) other than broadcast <paramref name="id"/> this app made since <paramref name="periodStart"/>.</summary>
    public async Task<int> MassSendsSinceAsync(string appId, long id, DateTimeOffset periodStart, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<int>(new CommandDefinition(MassThisMonthSql, new { appId, id, monthStart = periodStart.UtcDateTime }, cancellationToken: ct));
    }

    private const string MassLastMinuteSql = "SELECT count(*) FROM broadcasts WHERE app_id = @appId AND msg_id IS NOT NULL AND started_at > @since";

    public async Task<long> MassSendsSinceAsync(string appId, DateTimeOffset since, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<long>(new CommandDefinition(MassLastMinuteSql, new { appId, since = since.UtcDateTime }, cancellationToken: ct));
    }

    private const string ClaimSql = $"""
        UPDATE broadcasts SET status = '{BroadcastStatus.Sending}', started_at = coalesce(started_at, @now), updated_at = @now
        WHERE id = @id AND status IN ('{BroadcastStatus.Scheduled}', '{BroadcastStatus.Sending}')
        RETURNING id
        """;

    /// <summary>Takes a due broadcast for sending; a 'sending' one is taken again after a crash (its sends are idempotent).</summary>
    public async Task<bool> ClaimAsync(long id, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<long?>(new CommandDefinition(ClaimSql, new { id, now = now.UtcDateTime }, cancellationToken: ct)) is not null;
    }

    private const string FinishSql = $"""
        UPDATE broadcasts SET status = @status, msg_id = coalesce(@msgId, msg_id), msg_data_id = coalesce(@msgDataId, msg_data_id),
               error = @error, finished_at = CASE WHEN @status IN ('{BroadcastStatus.Sent}', '{BroadcastStatus.Completed}', '{BroadcastStatus.Failed}') THEN @now END, updated_at = @now
        WHERE id = @id AND status = '{BroadcastStatus.Sending}'
        """;

    public async Task FinishAsync(long id, string status, string? msgId, long? msgDataId, string? error, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(FinishSql, new { id, status, msgId, msgDataId, error, now = now.UtcDateTime }, cancellationToken: ct));
    }

    private const string ExpandSql = $"""
        INSERT INTO broadcast_recipients (broadcast_id, openid)
        SELECT @id, f.openid FROM followers f
        WHERE f.app_id = @appId AND f.subscribed AND (
            (@audience = '{BroadcastAudience.Topic}' AND f.id IN (SELECT follower_id FROM topic_subscriptions WHERE topic_id = @ref AND unsubscribed_at IS NULL))
         OR (@audience = '{BroadcastAudience.Session}' AND f.unionid IN (
                SELECT u.unionid FROM signups s JOIN mp_users u ON u.id = s.user_id
                WHERE s.session_id = @ref AND s.status IN ('confirmed', 'waitlisted', 'checked_in') AND u.unionid IS NOT NULL))
         OR (@audience = '{BroadcastAudience.Tag}' AND f.tag_ids @> ARRAY[@ref::int])
         OR @audience = '{BroadcastAudience.All}')
        ON CONFLICT DO NOTHING
        """;

    /// <summary>
    /// Fixes the recipient list once, at the first send: who is subscribed then. A session's parents are
    /// reached on the official account through their unionid.
    /// </summary>
    public async Task ExpandRecipientsAsync(BroadcastRow b, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        if (await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM broadcast_recipients WHERE broadcast_id = @id)", new { b.Id }, cancellationToken: ct)))
        {
            return;
        }

        await conn.ExecuteAsync(new CommandDefinition(ExpandSql, new { id = b.Id, appId = b.AppId, audience = b.Audience, @ref = b.AudienceRef }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<string>> PendingRecipientsAsync(long id, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<string>(new CommandDefinition(
            $"SELECT openid FROM broadcast_recipients WHERE broadcast_id = @id AND status = '{RecipientStatus.Pending}' ORDER BY openid", new { id }, cancellationToken: ct))).ToList();
    }

    public async Task MarkRecipientsAsync(long id, IReadOnlyList<string> openids, string status, int? errcode, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition($"""
            UPDATE broadcast_recipients SET status = @status, errcode = @errcode, sent_at = @now
            WHERE broadcast_id = @id AND openid = ANY (@openids) AND status = '{RecipientStatus.Pending}'
            """, new { id, openids = openids.ToArray(), status, errcode, now = now.UtcDateTime }, cancellationToken: ct));
    }

    /// <summary>Links the broadcast to its delivery campaign, in the transaction that created the campaign.</summary>
    public static Task AttachCampaignAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, long campaignId, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition("UPDATE broadcasts SET campaign_id = @campaignId, updated_at = now() WHERE id = @id",
            new { id, campaignId }, tx, cancellationToken: ct));

    private const string JobFinishSql = $"""
        UPDATE broadcasts SET total_count = @total, filter_count = @filter, sent_count = @sent, error_count = @errors,
               status = CASE WHEN status <> '{BroadcastStatus.Sent}' THEN status WHEN @sent > 0 THEN '{BroadcastStatus.Completed}' ELSE '{BroadcastStatus.Failed}' END,
               error = CASE WHEN status = '{BroadcastStatus.Sent}' AND @sent = 0 THEN '微信报告没有送达任何人' ELSE error END, finished_at = coalesce(finished_at, @now), updated_at = @now
        WHERE app_id = @appId AND msg_id = @msgId
        RETURNING id
        """;

    /// <summary>
    /// Records WeChat's MASSSENDJOBFINISH counts on the broadcast that sent <paramref name="msgId"/>; the
    /// callback calls this. Returns the broadcast's id, or null for a mass send that is not ours.
    /// </summary>
    public async Task<long?> RecordMassJobFinishAsync(string appId, string msgId, int total, int filter, int sent, int errors, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<long?>(new CommandDefinition(JobFinishSql,
            new { appId, msgId, total, filter, sent, errors, now = now.UtcDateTime }, cancellationToken: ct));
    }

    private const string FinishEndedCampaignsSql = $"""
        UPDATE broadcasts b
        SET status = CASE WHEN c.sent > 0 THEN '{BroadcastStatus.Completed}' ELSE '{BroadcastStatus.Failed}' END,
            error = CASE WHEN c.sent > 0 THEN NULL ELSE '{BroadcastStatus.NobodyReached}' END,
            finished_at = @now, updated_at = @now
        FROM (
            SELECT c.id, (SELECT count(*) FROM deliveries d WHERE d.campaign_id = c.id AND d.status = 'sent') AS sent
            FROM delivery_campaigns c
            WHERE c.status <> 'active' AND c.id IN (SELECT campaign_id FROM broadcasts WHERE status = '{BroadcastStatus.Sending}' AND campaign_id IS NOT NULL)
        ) c
        WHERE b.campaign_id = c.id AND b.status = '{BroadcastStatus.Sending}'
        """;

    /// <summary>
    /// Ends every template broadcast still sending whose delivery campaign has ended (completed, or cancelled by staff):
    /// completed when the campaign reached someone, failed when it reached nobody. The delivery engine calls this
    /// after it closes campaigns; returns how many broadcasts ended.
    /// </summary>
    public async Task<int> FinishEndedCampaignsAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.ExecuteAsync(new CommandDefinition(FinishEndedCampaignsSql, new { now = now.UtcDateTime }, cancellationToken: ct));
    }
}
