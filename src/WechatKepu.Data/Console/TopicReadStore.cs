using Dapper;
using Npgsql;

namespace WechatKepu.Data.Console;

public sealed record TopicRow(long Id, string AppId, string Name, string Description, bool Enabled, long Subscribers);

public sealed record TopicRoundRow(long Id, long TopicId, string Title, DateTime StartsAt, string Status);

/// <summary>Reminder topics and their rounds as the console shows them (the reminder engine owns the writes).</summary>
public sealed class TopicReadStore(NpgsqlDataSource dataSource)
{
    private const string Sql = """
        SELECT t.id, t.app_id, t.name, t.description, t.enabled,
               (SELECT count(*) FROM topic_subscriptions s WHERE s.topic_id = t.id AND s.unsubscribed_at IS NULL) AS subscribers
        FROM reminder_topics t ORDER BY t.id;
        SELECT id, topic_id, title, starts_at, status FROM reminder_topic_rounds ORDER BY topic_id, starts_at;
        """;

    public async Task<(IReadOnlyList<TopicRow> Topics, ILookup<long, TopicRoundRow> Rounds)> ListAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var multi = await conn.QueryMultipleAsync(new CommandDefinition(Sql, cancellationToken: ct));
        var topics = (await multi.ReadAsync<TopicRow>()).ToList();
        var rounds = (await multi.ReadAsync<TopicRoundRow>()).ToLookup(r => r.TopicId);
        return (topics, rounds);
    }
}
