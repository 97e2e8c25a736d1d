using Dapper;
using Npgsql;
using WechatKepu.Data.Catalogue;

namespace WechatKepu.Data.Callback;

public sealed record UpcomingSessionRow(
    long Id, string ActivityTitle, string Title, DateTime StartsAt, DateTime EndsAt, string Venue, int PlacesLeft, int WaitlistLeft, DateTime SignupOpensAt);

public sealed record CampaignActivityRow(long Id, string Category, string Title, string TimeText, DateOnly StartsOn, string Venue, bool AcceptsSignups);

/// <summary>
/// What the chat commands (活动, 科普日) read of the catalogue, on the connection and transaction that hold
/// the message's claim: a command never waits for a second pooled connection while holding one.
/// </summary>
public static class ChatCatalogue
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

    /// <summary>The next sessions a follower can still sign up for (or join the waiting list of).</summary>
    public static async Task<IReadOnlyList<UpcomingSessionRow>> UpcomingSessionsAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        (await conn.QueryAsync<UpcomingSessionRow>(new CommandDefinition(NextSql, new { now = now.UtcDateTime, limit }, tx, cancellationToken: cancellationToken))).ToList();

    private const string CampaignSql = """
        SELECT id, category, title, time_text, starts_on, venue, accepts_signups
        FROM activities
        ORDER BY array_position(@categories, category), sort_order, id
        """;

    /// <summary>Every activity of the campaign in the plan's order (section, then number).</summary>
    public static async Task<IReadOnlyList<CampaignActivityRow>> CampaignAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken cancellationToken) =>
        (await conn.QueryAsync<CampaignActivityRow>(new CommandDefinition(CampaignSql, new { categories = ActivityStore.Categories }, tx, cancellationToken: cancellationToken))).ToList();
}
