using Dapper;
using Npgsql;

namespace WechatKepu.Data.Console;

/// <summary>A session running on the event day, with its live counts.</summary>
/// <param name="Expected">Confirmed sign-ups, checked in or not: the children expected.</param>
public sealed record EventDaySessionRow(
    long Id, long ActivityId, string ActivityCode, string ActivityTitle, string Title, DateTime StartsAt, DateTime EndsAt, string Venue,
    int Capacity, string Status, int Expected, int CheckedIn, int Waitlisted);

/// <summary>The sessions of one Shanghai day (those running on it: started before its end, ending after its start).</summary>
public sealed class EventDayStore(NpgsqlDataSource dataSource)
{
    // Counted per session (LATERAL, through signups_session_idx): a day has a handful of sessions, the table a year of sign-ups.
    private const string SessionsSql = $"""
        SELECT se.id, se.activity_id, a.code AS activity_code, a.title AS activity_title, se.title, se.starts_at, se.ends_at, se.venue,
               se.capacity, se.status, c.expected, c.checked_in, c.waitlisted
        FROM sessions se
        JOIN activities a ON a.id = se.activity_id
        CROSS JOIN LATERAL (
            SELECT count(*) FILTER (WHERE s.status IN ('confirmed', 'checked_in'))::int AS expected,
                   count(*) FILTER (WHERE s.status = 'checked_in')::int AS checked_in,
                   count(*) FILTER (WHERE s.status = 'waitlisted')::int AS waitlisted
            FROM signups s WHERE s.session_id = se.id
        ) c
        WHERE se.starts_at < ((@day::timestamp + interval '1 day') AT TIME ZONE 'Asia/Shanghai')
          AND se.ends_at > (@day::timestamp AT TIME ZONE 'Asia/Shanghai')
          AND {ConsoleStore.UnitScope}
        ORDER BY se.starts_at, se.id
        """;

    /// <summary>The day's sessions of <paramref name="unit"/>'s activities (every activity's when null).</summary>
    public async Task<IReadOnlyList<EventDaySessionRow>> SessionsAsync(DateOnly day, string? unit, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<EventDaySessionRow>(new CommandDefinition(SessionsSql,
            new { day = day.ToDateTime(TimeOnly.MinValue), unit }, cancellationToken: cancellationToken))).ToList();
    }
}
