using Dapper;
using Npgsql;
using WechatKepu.Data.Catalogue;
using WechatKepu.Data.Console;

namespace WechatKepu.Data.Reports;

public sealed record DayCountRow(DateOnly Day, int Count);

public sealed record FollowerDayRow(DateOnly Day, int Gained, int Lost);

/// <param name="Expected">Confirmed children (checked in or not) of the sessions already over.</param>
/// <param name="CheckedIn">Of those, the children checked in.</param>
public sealed record ActivityFillRow(long ActivityId, string Code, string Title, int Sessions, int Capacity, int Confirmed, int Expected, int CheckedIn);

public sealed record DeliveryOutcomeRow(string Status, string? ReceiptStatus, int? Errcode, string? Errmsg, int Count);

public sealed record PosterCodeRow(long CodeId, string Kind, string ActivityTitle, string? SessionTitle, int Scans, int NewFollowers);

/// <summary>What the console's charts draw, for one period (UTC instants of Shanghai midnights) and unit scope.</summary>
public sealed record ChartData(
    IReadOnlyList<DayCountRow> SignupsPerDay, IReadOnlyList<ActivityFillRow> Activities, IReadOnlyList<DeliveryOutcomeRow> Deliveries,
    IReadOnlyList<FollowerDayRow> FollowersPerDay, IReadOnlyList<PosterCodeRow> PosterCodes);

/// <summary>
/// The charts' figures in one round trip. Each part reads through an index (migration 0021): sign-ups by
/// <c>created_at</c>, follower events by <c>at</c>, campaigns by <c>created_at</c> then their deliveries by campaign,
/// check-ins by session (<c>signups_session_idx</c>); fill rates come from the sessions' own counters.
/// </summary>
public sealed class ChartStore(NpgsqlDataSource dataSource)
{
    private const string Sql = $"""
        SELECT (s.created_at AT TIME ZONE 'Asia/Shanghai')::date AS day, count(*)::int AS count
        FROM signups s JOIN sessions se ON se.id = s.session_id JOIN activities a ON a.id = se.activity_id
        WHERE s.created_at >= @from AND s.created_at < @to AND {ConsoleStore.UnitScope}
        GROUP BY 1 ORDER BY 1;

        WITH ses AS (
            SELECT se.id, se.activity_id, se.capacity, se.confirmed_count, se.ends_at <= @now AS ended
            FROM sessions se JOIN activities a ON a.id = se.activity_id
            WHERE se.status <> 'cancelled' AND {ConsoleStore.UnitScope}
        ), checked AS (
            SELECT s.session_id, count(*)::int AS n FROM signups s
            WHERE s.status = 'checked_in' AND s.session_id IN (SELECT id FROM ses WHERE ended)
            GROUP BY 1
        )
        SELECT a.id AS activity_id, a.code, a.title, count(*)::int AS sessions, sum(ses.capacity)::int AS capacity,
               sum(ses.confirmed_count)::int AS confirmed,
               coalesce(sum(ses.confirmed_count) FILTER (WHERE ses.ended), 0)::int AS expected,
               coalesce(sum(checked.n), 0)::int AS checked_in
        FROM ses JOIN activities a ON a.id = ses.activity_id LEFT JOIN checked ON checked.session_id = ses.id
        GROUP BY a.id
        ORDER BY array_position(@categories, a.category), a.sort_order, a.id;

        SELECT d.status, d.receipt_status, d.errcode, min(d.errmsg) AS errmsg, count(*)::int AS count
        FROM delivery_campaigns c
        JOIN deliveries d ON d.campaign_id = c.id
        LEFT JOIN sessions cs ON cs.id = c.session_id
        LEFT JOIN reminder_topic_rounds r ON r.id = c.topic_round_id
        LEFT JOIN reminder_topics t ON t.id = r.topic_id
        LEFT JOIN activities a ON a.id = coalesce(cs.activity_id, t.activity_id)
        WHERE c.created_at >= @from AND c.created_at < @to AND (@unit::text IS NULL OR (a.id IS NOT NULL AND {ConsoleStore.UnitScope}))
        GROUP BY 1, 2, 3
        ORDER BY count(*) DESC;

        SELECT (e.at AT TIME ZONE 'Asia/Shanghai')::date AS day,
               count(*) FILTER (WHERE e.kind IN ('subscribe', 'resubscribe'))::int AS gained,
               count(*) FILTER (WHERE e.kind = 'unsubscribe')::int AS lost
        FROM follower_events e
        WHERE e.kind IN ('subscribe', 'resubscribe', 'unsubscribe') AND e.at >= @from AND e.at < @to
        GROUP BY 1 ORDER BY 1;

        SELECT p.id AS code_id, p.kind, a.title AS activity_title, ps.title AS session_title,
               count(sc.id)::int AS scans, (count(sc.id) FILTER (WHERE sc.new_follower))::int AS new_followers
        FROM poster_codes p
        JOIN activities a ON a.id = p.activity_id
        LEFT JOIN sessions ps ON ps.id = p.session_id
        LEFT JOIN poster_scans sc ON sc.code_id = p.id AND sc.at >= @from AND sc.at < @to
        WHERE p.kind <> 'wxacode' AND {ConsoleStore.UnitScope}
        GROUP BY p.id, a.title, ps.title
        ORDER BY new_followers DESC, scans DESC, p.id;
        """;

    /// <summary>The figures from <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive), for <paramref name="unit"/>'s activities (all when null).</summary>
    public async Task<ChartData> ChartsAsync(DateTimeOffset from, DateTimeOffset to, string? unit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var multi = await conn.QueryMultipleAsync(new CommandDefinition(Sql, new
        {
            from = from.UtcDateTime, to = to.UtcDateTime, now = now.UtcDateTime, unit, categories = ActivityStore.Categories,
        }, cancellationToken: cancellationToken));
        return new ChartData(
            (await multi.ReadAsync<DayCountRow>()).ToList(),
            (await multi.ReadAsync<ActivityFillRow>()).ToList(),
            (await multi.ReadAsync<DeliveryOutcomeRow>()).ToList(),
            (await multi.ReadAsync<FollowerDayRow>()).ToList(),
            (await multi.ReadAsync<PosterCodeRow>()).ToList());
    }
}
