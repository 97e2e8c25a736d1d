using Dapper;
using Npgsql;
using WechatKepu.Data.Staff;

namespace WechatKepu.Data.Summaries;

/// <summary>
/// Campaign summaries (section 七 of the plan): the campaigns and their deadlines, each activity's summary with
/// its photos, and the campaign's figures per activity, read in one set-based statement (one pass over each
/// table, whatever the number of sign-ups).
/// </summary>
public sealed class SummaryStore(NpgsqlDataSource dataSource, AuditLog audit)
{
    /// <summary>The units answerable for activity <c>a</c>'s summary: its 承办 units, else its 主办 units.</summary>
    public const string NoUnit = "未指定单位";

    private const string ResponsibleUnits = """
        CASE WHEN cardinality(a.organiser_units) > 0 THEN a.organiser_units
             WHEN cardinality(a.host_units) > 0 THEN a.host_units ELSE ARRAY['未指定单位'] END
        """;

    private const string CampaignColumns = "id, code, name, period_from, period_to, deadline, updated_by_name";

    private const string ListCampaignsSql = $"SELECT {CampaignColumns} FROM summary_campaigns ORDER BY sort_order, id";

    public async Task<IReadOnlyList<SummaryCampaignRow>> ListCampaignsAsync(CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<SummaryCampaignRow>(new CommandDefinition(ListCampaignsSql, cancellationToken: cancellationToken))).ToList();
    }

    private const string GetCampaignSql = $"SELECT {CampaignColumns} FROM summary_campaigns WHERE id = @id";

    public async Task<SummaryCampaignRow?> GetCampaignAsync(long id, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<SummaryCampaignRow>(new CommandDefinition(GetCampaignSql, new { id }, cancellationToken: cancellationToken));
    }

    private const string UpdateCampaignSql = $"""
        UPDATE summary_campaigns SET period_from = @periodFrom, period_to = @periodTo, deadline = @deadline,
                                     updated_by_name = @by, updated_at = @now
        WHERE id = @id
        RETURNING {CampaignColumns}
        """;

    /// <summary>Sets a campaign's period and deadline (audited); null for an unknown campaign.</summary>
    public async Task<SummaryCampaignRow?> UpdateCampaignAsync(
        long id, DateOnly periodFrom, DateOnly periodTo, DateTimeOffset deadline, long? staffId, string staffName, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<SummaryCampaignRow>(new CommandDefinition(UpdateCampaignSql, new
        {
            id, periodFrom = periodFrom.ToDateTime(TimeOnly.MinValue), periodTo = periodTo.ToDateTime(TimeOnly.MinValue),
            deadline = deadline.UtcDateTime, by = staffName, now = now.UtcDateTime,
        }, tx, cancellationToken: cancellationToken));
        if (row is not null)
        {
            await audit.WriteAsync(staffId, staffName, "summary_campaign.update", $"summary_campaign:{id}",
                new { periodFrom, periodTo, deadline }, now, cancellationToken, conn, tx);
            await tx.CommitAsync(cancellationToken);
        }

        return row;
    }

    // The campaign's activities (dates overlapping its period) and, per activity, the sessions held in the period
    // (not cancelled) with their sign-ups, check-ins, waitlist promotions and delivered reminders, and the new
    // followers its poster codes brought in the period. Each source is aggregated once by session or activity
    // before the joins, so no row is counted twice.
    private const string ActivitiesSql = $"""
        WITH acts AS (
            SELECT a.id, a.code, a.title, a.category, a.time_text, a.venue, a.sort_order,
                   {ResponsibleUnits} AS units,
                   (@unit::text IS NULL OR @unit = ANY (a.host_units || a.organiser_units || a.co_organiser_units)) AS in_scope
            FROM activities a
            WHERE a.starts_on <= @periodTo AND a.ends_on >= @periodFrom
              AND (@activityId::bigint IS NULL OR a.id = @activityId)
              AND (@onlyInScope = false OR @unit::text IS NULL OR @unit = ANY (a.host_units || a.organiser_units || a.co_organiser_units))
        ),
        ses AS (
            SELECT s.id, s.activity_id, s.capacity
            FROM sessions s JOIN acts ON acts.id = s.activity_id
            WHERE s.status <> 'cancelled' AND s.starts_at >= @from AND s.starts_at < @to
        ),
        su AS (
            SELECT su.session_id,
                   count(*) AS any_signups,
                   count(*) FILTER (WHERE su.status IN ('confirmed', 'checked_in')) AS signups,
                   count(*) FILTER (WHERE su.status = 'checked_in') AS checkins,
                   count(*) FILTER (WHERE su.promoted_at IS NOT NULL) AS promotions
            FROM signups su JOIN ses ON ses.id = su.session_id
            GROUP BY su.session_id
        ),
        rem AS (
            -- The rows still kept, and the counts of those the delivery purge has removed (0020_delivery_outcomes.sql).
            SELECT r.session_id, sum(r.n) AS delivered
            FROM (SELECT dc.session_id, count(*) AS n
                  FROM delivery_campaigns dc JOIN ses ON ses.id = dc.session_id JOIN deliveries d ON d.campaign_id = dc.id
                  WHERE dc.kind = 'session_reminder' AND d.status = 'sent'
                  GROUP BY dc.session_id
                  UNION ALL
                  SELECT dc.session_id, sum(o.count)
                  FROM delivery_campaigns dc JOIN ses ON ses.id = dc.session_id JOIN delivery_outcomes o ON o.campaign_id = dc.id
                  WHERE dc.kind = 'session_reminder' AND o.status = 'sent'
                  GROUP BY dc.session_id) r
            GROUP BY r.session_id
        ),
        fol AS (
            SELECT pc.activity_id, count(DISTINCT ps.openid) AS gained
            FROM poster_codes pc JOIN acts ON acts.id = pc.activity_id JOIN poster_scans ps ON ps.code_id = pc.id
            WHERE ps.new_follower AND ps.at >= @from AND ps.at < @to
            GROUP BY pc.activity_id
        ),
        fig AS (
            SELECT ses.activity_id, count(*)::int AS sessions, sum(ses.capacity)::int AS places,
                   coalesce(sum(su.any_signups), 0)::int AS any_signups, coalesce(sum(su.signups), 0)::int AS signups,
                   coalesce(sum(su.checkins), 0)::int AS checkins, coalesce(sum(su.promotions), 0)::int AS promotions,
                   coalesce(sum(rem.delivered), 0)::int AS reminders
            FROM ses LEFT JOIN su ON su.session_id = ses.id LEFT JOIN rem ON rem.session_id = ses.id
            GROUP BY ses.activity_id
        )
        SELECT acts.id, acts.code, acts.title, acts.category, acts.time_text, acts.venue, acts.units, acts.in_scope,
               coalesce(fig.sessions, 0) AS sessions, coalesce(fig.places, 0) AS places,
               coalesce(fig.signups, 0) AS signups, coalesce(fig.checkins, 0) AS checkins,
               coalesce(fig.promotions, 0) AS promotions, coalesce(fig.reminders, 0) AS reminders_delivered,
               coalesce(fol.gained, 0)::int AS followers_gained,
               coalesce(fig.any_signups, 0) > 0 AS had_signups,
               CASE WHEN coalesce(fig.checkins, 0) > 0 THEN fig.checkins ELSE coalesce(fig.signups, 0) END AS counted_participants,
               s.id AS summary_id, s.held_from, s.held_to, s.participants_entered, s.body, s.filed_by_name, s.filed_at,
               s.updated_by_name, s.updated_at,
               coalesce((SELECT array_agg(p.id ORDER BY p.position, p.id) FROM summary_photos p WHERE p.summary_id = s.id), ARRAY[]::bigint[]) AS photo_ids
        FROM acts
        LEFT JOIN fig ON fig.activity_id = acts.id
        LEFT JOIN fol ON fol.activity_id = acts.id
        LEFT JOIN activity_summaries s ON s.campaign_id = @campaignId AND s.activity_id = acts.id
        ORDER BY acts.sort_order, acts.id
        """;

    /// <summary>
    /// The campaign's activities with figures and summaries. <paramref name="unit"/> marks (and with
    /// <paramref name="onlyInScope"/> keeps) the activities naming that unit as host, organiser or co-organiser.
    /// </summary>
    public async Task<IReadOnlyList<SummaryActivityRow>> ActivitiesAsync(
        long campaignId, string? unit, bool onlyInScope, long? activityId, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await conn.QuerySingleOrDefaultAsync<SummaryCampaignRow>(new CommandDefinition(GetCampaignSql, new { id = campaignId }, cancellationToken: cancellationToken)) is not { } c)
        {
            return [];
        }

        // The period's bounds as instants (Shanghai midnights) and dates, as parameters: the planner then
        // estimates the sessions in it from their statistics.
        var periodFrom = DateOnly.FromDateTime(c.PeriodFrom);
        var periodTo = DateOnly.FromDateTime(c.PeriodTo);
        return (await conn.QueryAsync<SummaryActivityRow>(new CommandDefinition(ActivitiesSql, new
        {
            campaignId, unit, onlyInScope, activityId, periodFrom = c.PeriodFrom, periodTo = c.PeriodTo,
            from = Shanghai.At(periodFrom, TimeOnly.MinValue).UtcDateTime, to = Shanghai.At(periodTo.AddDays(1), TimeOnly.MinValue).UtcDateTime,
        }, cancellationToken: cancellationToken, commandTimeout: 60))).ToList();
    }

    private const string OrganisersSql = """
        SELECT id, display_name, unit, openid IS NOT NULL AND openid <> '' AS has_open_id
        FROM staff_accounts
        WHERE role = 'organiser' AND NOT disabled AND unit = ANY (@units)
        ORDER BY unit, id
        """;

    /// <summary>The enabled organisers of these units.</summary>
    public async Task<IReadOnlyList<SummaryOrganiserRow>> OrganisersAsync(IReadOnlyCollection<string> units, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<SummaryOrganiserRow>(new CommandDefinition(OrganisersSql, new { units = units.ToArray() }, cancellationToken: cancellationToken))).ToList();
    }

    private const string DueSql = $"""
        SELECT c.id AS campaign_id, c.name, c.deadline, count(*)::int AS missing
        FROM summary_campaigns c
        JOIN activities a ON a.starts_on <= c.period_to AND a.ends_on >= c.period_from
        WHERE c.deadline > @now AND @unit = ANY ({ResponsibleUnits})
          AND NOT EXISTS (SELECT 1 FROM activity_summaries s WHERE s.campaign_id = c.id AND s.activity_id = a.id)
        GROUP BY c.id, c.name, c.deadline
        ORDER BY c.deadline
        """;

    /// <summary>The open campaigns in which <paramref name="unit"/> has activities to file.</summary>
    public async Task<IReadOnlyList<SummaryDueRow>> DueAsync(string unit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<SummaryDueRow>(new CommandDefinition(DueSql, new { unit, now = now.UtcDateTime }, cancellationToken: cancellationToken))).ToList();
    }

    private const string PhotoSql = "SELECT id, content_type, file_name, content FROM summary_photos WHERE id = @id";

    public async Task<SummaryPhotoRow?> PhotoAsync(long id, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<SummaryPhotoRow>(new CommandDefinition(PhotoSql, new { id }, cancellationToken: cancellationToken));
    }

    private const string LockCampaignSql = "SELECT deadline FROM summary_campaigns WHERE id = @campaignId FOR SHARE";

    private const string InCampaignSql = """
        SELECT EXISTS (SELECT 1 FROM activities a JOIN summary_campaigns c ON c.id = @campaignId
                       WHERE a.id = @activityId AND a.starts_on <= c.period_to AND a.ends_on >= c.period_from)
        """;

    private const string LockSummarySql = "SELECT id FROM activity_summaries WHERE campaign_id = @campaignId AND activity_id = @activityId FOR UPDATE";

    private const string InsertSummarySql = """
        INSERT INTO activity_summaries (campaign_id, activity_id, held_from, held_to, participants_entered, body,
                                        filed_by, filed_by_name, filed_at, updated_by_name, updated_at)
        VALUES (@campaignId, @activityId, @heldFrom, @heldTo, @participants, @body, @staffId, @staffName, @now, @staffName, @now)
        RETURNING id
        """;

    private const string UpdateSummarySql = """
        UPDATE activity_summaries SET held_from = @heldFrom, held_to = @heldTo, participants_entered = @participants, body = @body,
                                      updated_by_name = @staffName, updated_at = @now
        WHERE id = @id
        """;

    private const string KeptPhotosSql = "SELECT count(*)::int FROM summary_photos WHERE summary_id = @id AND id = ANY (@keep)";

    private const string DropPhotosSql = "DELETE FROM summary_photos WHERE summary_id = @id AND NOT (id = ANY (@keep))";

    private const string OrderPhotosSql = """
        UPDATE summary_photos p SET position = k.ord FROM unnest(@keep::bigint[]) WITH ORDINALITY AS k (id, ord)
        WHERE p.id = k.id AND p.summary_id = @id
        """;

    private const string InsertPhotoSql = """
        INSERT INTO summary_photos (summary_id, position, content_type, file_name, content, uploaded_at)
        VALUES (@id, @position, @ContentType, @FileName, @Content, @now)
        """;

    /// <summary>
    /// Files or replaces the activity's summary in one transaction: its text, the photos kept (in the order
    /// given, each one already the summary's) and the new ones after them, at most <paramref name="maxPhotos"/>
    /// in all. With <paramref name="enforceDeadline"/>, refused once the campaign's deadline has passed. Audited.
    /// Anything refused writes nothing.
    /// </summary>
    public async Task<(SummarySaveOutcome Outcome, long? SummaryId)> SaveAsync(
        long campaignId, long activityId, SummaryInput input, IReadOnlyList<long> keep, IReadOnlyList<SummaryPhotoUpload> uploads,
        int maxPhotos, bool enforceDeadline, long? staffId, string staffName, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var args = new { campaignId, activityId };
        if (await conn.QuerySingleOrDefaultAsync<DateTime?>(new CommandDefinition(LockCampaignSql, args, tx, cancellationToken: cancellationToken)) is not { } deadline)
        {
            return (SummarySaveOutcome.CampaignNotFound, null);
        }

        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition(InCampaignSql, args, tx, cancellationToken: cancellationToken)))
        {
            return (SummarySaveOutcome.ActivityNotInCampaign, null);
        }

        if (enforceDeadline && now.UtcDateTime >= DateTime.SpecifyKind(deadline, DateTimeKind.Utc))
        {
            return (SummarySaveOutcome.DeadlinePassed, null);
        }

        var existing = await conn.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(LockSummarySql, args, tx, cancellationToken: cancellationToken));
        var keepIds = keep.Distinct().ToArray();
        if (keepIds.Length > 0 && (existing is null
            || await conn.ExecuteScalarAsync<int>(new CommandDefinition(KeptPhotosSql, new { id = existing, keep = keepIds }, tx, cancellationToken: cancellationToken)) != keepIds.Length))
        {
            return (SummarySaveOutcome.UnknownPhoto, existing);
        }

        if (keepIds.Length + uploads.Count > maxPhotos)
        {
            return (SummarySaveOutcome.TooManyPhotos, existing);
        }

        var values = new
        {
            campaignId, activityId, heldFrom = input.HeldFrom.ToDateTime(TimeOnly.MinValue), heldTo = input.HeldTo.ToDateTime(TimeOnly.MinValue),
            participants = input.ParticipantsEntered, body = input.Body, staffId, staffName, now = now.UtcDateTime, id = existing,
        };
        long id;
        if (existing is { } found)
        {
            id = found;
            await conn.ExecuteAsync(new CommandDefinition(UpdateSummarySql, values, tx, cancellationToken: cancellationToken));
            await conn.ExecuteAsync(new CommandDefinition(DropPhotosSql, new { id, keep = keepIds }, tx, cancellationToken: cancellationToken));
            await conn.ExecuteAsync(new CommandDefinition(OrderPhotosSql, new { id, keep = keepIds }, tx, cancellationToken: cancellationToken));
        }
        else
        {
            id = await conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertSummarySql, values, tx, cancellationToken: cancellationToken));
        }

        foreach (var (photo, index) in uploads.Select((p, i) => (p, i)))
        {
            await conn.ExecuteAsync(new CommandDefinition(InsertPhotoSql, new
            {
                id, position = (short)(keepIds.Length + index + 1), photo.ContentType, photo.FileName, photo.Content, now = now.UtcDateTime,
            }, tx, cancellationToken: cancellationToken));
        }

        await audit.WriteAsync(staffId, staffName, existing is null ? "summary.file" : "summary.update", $"summary:{id}",
            new { campaignId, activityId, input.HeldFrom, input.HeldTo, input.ParticipantsEntered, photosKept = keepIds.Length, photosAdded = uploads.Count },
            now, cancellationToken, conn, tx);
        await tx.CommitAsync(cancellationToken);
        return (existing is null ? SummarySaveOutcome.Created : SummarySaveOutcome.Updated, id);
    }
}
