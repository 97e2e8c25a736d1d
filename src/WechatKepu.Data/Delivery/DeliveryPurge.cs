using Dapper;
using Npgsql;

namespace WechatKepu.Data.Delivery;

/// <summary>
/// Keeps the delivery table bounded (see 0020_delivery_outcomes.sql): the rows of a campaign that finished
/// long ago become counts in <c>delivery_outcomes</c>, batch by batch.
/// </summary>
public sealed class DeliveryPurge(NpgsqlDataSource dataSource)
{
    private const string FinishedSql = """
        SELECT id FROM delivery_campaigns
        WHERE status IN ('completed', 'cancelled') AND rows_purged_at IS NULL AND coalesce(completed_at, cancelled_at) < @before
        ORDER BY id
        """;

    // One statement: the batch's rows go and their counts arrive together.
    private const string MoveBatchSql = """
        WITH gone AS (
            DELETE FROM deliveries WHERE id = ANY (ARRAY(SELECT id FROM deliveries WHERE campaign_id = @id LIMIT @batch))
            RETURNING status, channel, errcode
        ), counted AS (
            INSERT INTO delivery_outcomes (campaign_id, status, channel, errcode, count)
            SELECT @id, status, channel, errcode, count(*) FROM gone GROUP BY status, channel, errcode
        )
        SELECT count(*)::int FROM gone
        """;

    // The batches' counts folded into one row per outcome, and the campaign marked done.
    private const string FinishSql = """
        WITH old AS (DELETE FROM delivery_outcomes WHERE campaign_id = @id RETURNING status, channel, errcode, count),
        folded AS (
            INSERT INTO delivery_outcomes (campaign_id, status, channel, errcode, count)
            SELECT @id, status, channel, errcode, sum(count) FROM old GROUP BY status, channel, errcode
        )
        UPDATE delivery_campaigns SET rows_purged_at = @now WHERE id = @id
        """;

    /// <summary>
    /// Moves the rows of campaigns finished before <paramref name="before"/> into their counts, at most
    /// <paramref name="batch"/> rows a statement (each its own short transaction).
    /// </summary>
    /// <returns>Rows deleted.</returns>
    public async Task<long> PurgeAsync(DateTimeOffset before, int batch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        var campaigns = await conn.QueryAsync<long>(new CommandDefinition(FinishedSql, new { before = before.UtcDateTime }, cancellationToken: cancellationToken));
        long total = 0;
        foreach (var id in campaigns)
        {
            int moved;
            do
            {
                moved = await conn.ExecuteScalarAsync<int>(new CommandDefinition(MoveBatchSql, new { id, batch }, cancellationToken: cancellationToken));
                total += moved;
            }
            while (moved == batch);

            await conn.ExecuteAsync(new CommandDefinition(FinishSql, new { id, now = now.UtcDateTime }, cancellationToken: cancellationToken));
        }

        return total;
    }
}
