using Dapper;
using Npgsql;

namespace WechatKepu.Data.Callback;

public sealed record UpcomingSessionRow(
    long Id, string ActivityTitle, string Title, DateTime StartsAt, DateTime EndsAt, string Venue, int PlacesLeft, int WaitlistLeft, DateTime SignupOpensAt);

/// <summary>The next sessions a follower can still sign up for, for the 活动 command.</summary>
public sealed class UpcomingSessionStore(NpgsqlDataSource dataSource)
{
    // Only what a parent can still act on: sign-up not closed, and a place or a waiting-list place left.
    private const string NextSql = """
        SELECT s.id, a.title AS activity_title, s.title, s.starts_at, s.ends_at, s.venue,
               greatest(s.capacity - s.confirmed_count, 0) AS places_left,
               greatest(s.waitlist_capacity - s.waitlist_count, 0) AS waitlist_left,
               s.signup_opens_at
        FROM sessions s JOIN activities a ON a.id = s.activity_id
        WHERE s.status = 'open' AND s.starts_at > @now AND s.signup_closes_at > @now
          AND (s.confirmed_count < s.capacity OR s.waitlist_count < s.waitlist_capacity)
        ORDER BY s.starts_at, s.id
        LIMIT @limit
        """;

    public async Task<IReadOnlyList<UpcomingSessionRow>> NextAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<UpcomingSessionRow>(new CommandDefinition(NextSql, new { now = now.UtcDateTime, limit }, cancellationToken: cancellationToken))).ToList();
    }
}
