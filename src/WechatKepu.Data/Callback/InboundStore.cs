using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace WechatKepu.Data.Callback;

/// <summary>A callback to claim: the row that makes its handler run once across every instance.</summary>
/// <param name="Reply">The passive reply when it is already known (pure, in-memory answers), so the claim
/// and the stored reply are one insert; null when a handler still has to run.</param>
public sealed record InboundClaim(string AppId, string DedupKey, string OpenId, string MsgType, string? Event, string Body, string? Reply);

/// <summary>The answer to one claim: <paramref name="Won"/> when this try must handle the message; for a retry,
/// the reply its first try stored, or null while that try still runs.</summary>
public readonly record struct InboundClaimResult(bool Won, string? StoredReply);

public sealed record InboundRow(
    string AppId, string DedupKey, string OpenId, string MsgType, string? Event, string Body,
    string? Reply, string? Outcome, DateTime ReceivedAt, DateTime? HandledAt, DateTime? LateSentAt);

/// <summary>The inbound log, which is also the dedup table of the callback (see 0005_callback.sql).</summary>
public sealed class InboundStore(NpgsqlDataSource dataSource)
{
    /// <summary>The passive reply meaning "nothing to say".</summary>
    public const string NoReply = "success";

    // unnest keeps a batch of any size to one statement with seven parameters; DO NOTHING also skips a
    // key repeated inside the same batch. The outer query answers every claim of the batch in order (WITH
    // ORDINALITY): won when this statement inserted its key, and for a retry (the key existed) the reply
    // stored by the first try, read in the same round trip. The outer query's snapshot does not see the rows
    // the insert adds, nor a first try committed after the statement began: its reply is null and the
    // caller polls for it.
    private const string ClaimSqlHead = """
        WITH u AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
                WITH ORDINALITY AS u(a, k, o, t, e, b, r, n)
        ), ins AS (
            INSERT INTO wechat_inbound (app_id, dedup_key, openid, msg_type, event, body, reply, outcome, received_at, handled_at)
            SELECT u.a, u.k, u.o, u.t, u.e, u.b, u.r, u.r, $8, CASE WHEN u.r IS NULL THEN NULL ELSE $8 END
            FROM u
        """;

    private const string ClaimSqlTail = """

            ON CONFLICT (app_id, dedup_key) DO NOTHING
            RETURNING app_id, dedup_key
        )
        SELECT ins.dedup_key IS NOT NULL AS won,
               CASE WHEN ins.dedup_key IS NULL
                    THEN (SELECT w.reply FROM wechat_inbound w WHERE w.app_id = u.a AND w.dedup_key = u.k) END AS stored_reply
        FROM u LEFT JOIN ins ON ins.app_id = u.a AND ins.dedup_key = u.k
        ORDER BY u.n
        """;

    private const string ClaimSql = ClaimSqlHead + ClaimSqlTail;

    // The same insert committed without waiting for its WAL to reach the disk: set_config(…, true) lasts for
    // this statement's own transaction only, and costs no round trip (SET LOCAL would need a transaction
    // block). What it risks is in docs/benchmarks.md: claims of the last ~0.6 s before a PostgreSQL crash.
    private const string AsyncCommitClaimSql = ClaimSqlHead
        + "    CROSS JOIN (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit" + ClaimSqlTail;

    /// <summary>
    /// Claims every key of the batch in one statement (one round trip, one commit).
    /// </summary>
    /// <param name="asyncCommit">Commit without waiting for the WAL flush (see <c>Callback:AsyncClaimCommit</c>).</param>
    /// <returns>For each claim, in order: whether this call inserted it (first try) or it existed (a retry), and
    /// for a retry the reply its first try stored, when there is one yet.</returns>
    public async Task<InboundClaimResult[]> ClaimAsync(IReadOnlyList<InboundClaim> claims, DateTimeOffset now, CancellationToken cancellationToken, bool asyncCommit = false)
    {
        var n = claims.Count;
        var apps = new string[n];
        var keys = new string[n];
        var openIds = new string[n];
        var types = new string[n];
        var events = new string?[n];
        var bodies = new string[n];
        var replies = new string?[n];
        for (var i = 0; i < n; i++)
        {
            var c = claims[i];
            (apps[i], keys[i], openIds[i], types[i], events[i], bodies[i], replies[i]) =
                (c.AppId, c.DedupKey, c.OpenId, c.MsgType, c.Event, c.Body, c.Reply);
        }

        await using var cmd = dataSource.CreateCommand(asyncCommit ? AsyncCommitClaimSql : ClaimSql);
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = apps });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = openIds });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types });
        cmd.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = events });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = bodies });
        cmd.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = replies });
        cmd.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });

        var results = new InboundClaimResult[n];
        // A key twice in one batch was inserted once (both rows join it): the first occurrence is the winner,
        // the later one a retry still waiting for that first try's reply.
        var given = new HashSet<(string, string)>();
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            for (var i = 0; await reader.ReadAsync(cancellationToken); i++)
            {
                var won = reader.GetBoolean(0) && given.Add((apps[i], keys[i]));
                results[i] = new InboundClaimResult(won, won || reader.IsDBNull(1) ? null : reader.GetString(1));
            }
        }

        return results;
    }

    private const string ReplySql = "SELECT reply FROM wechat_inbound WHERE app_id = @appId AND dedup_key = @key";

    /// <summary>The stored passive reply; null while the first try is still running.</summary>
    public async Task<string?> GetReplyAsync(string appId, string key, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteScalarAsync<string?>(new CommandDefinition(ReplySql, new { appId, key }, cancellationToken: cancellationToken));
    }

    private const string DeferSql = """
        WITH d AS (
            UPDATE wechat_inbound SET reply = @noReply WHERE app_id = @appId AND dedup_key = @key AND reply IS NULL
            RETURNING reply
        )
        SELECT (SELECT reply FROM d) AS deferred_reply,
               (SELECT reply FROM wechat_inbound WHERE app_id = @appId AND dedup_key = @key) AS stored_reply
        """;

    /// <summary>
    /// The handler missed its deadline: answer "success" unless its reply was stored just in time.
    /// </summary>
    /// <returns>The reply to give, and whether this call deferred the work (so a job must finish it).</returns>
    public async Task<(string Reply, bool Deferred)> DeferAsync(string appId, string key, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleAsync<DeferState>(
            new CommandDefinition(DeferSql, new { appId, key, noReply = NoReply }, cancellationToken: cancellationToken));
        return row.DeferredReply is not null ? (NoReply, true) : (row.StoredReply ?? NoReply, false);
    }

    private const string LockSql = """
        SELECT handled_at IS NOT NULL AS handled, outcome FROM wechat_inbound
        WHERE app_id = @appId AND dedup_key = @key FOR UPDATE
        """;

    private const string CompleteSql = """
        UPDATE wechat_inbound
        SET outcome = @outcome, handled_at = @now, reply = COALESCE(reply, NULLIF(@outcome, ''), @noReply)
        WHERE app_id = @appId AND dedup_key = @key
        RETURNING reply
        """;

    /// <summary>
    /// Runs a handler's database work at most once for the claimed message: under the inbound row's lock,
    /// skipped when an earlier run committed, and committed together with the outcome. A handler cut off
    /// by its deadline rolls back, so the job that takes over finds nothing half done.
    /// </summary>
    /// <param name="work">Gets the connection and transaction to write with; returns the reply XML or "".</param>
    /// <returns>The outcome (this run's or the earlier one's) and the stored passive reply.</returns>
    public async Task<(string Outcome, string? Reply)> HandleOnceAsync(
        string appId, string key, Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<string>> work,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var state = await conn.QuerySingleOrDefaultAsync<LockState>(
            new CommandDefinition(LockSql, new { appId, key }, tx, cancellationToken: cancellationToken))
            ?? throw new InvalidOperationException($"Inbound message {appId}/{key} was never claimed");
        if (state.Handled)
        {
            await tx.CommitAsync(cancellationToken);
            return (state.Outcome ?? "", await GetReplyAsync(appId, key, cancellationToken));
        }

        var outcome = await work(conn, tx, cancellationToken);
        var reply = await conn.ExecuteScalarAsync<string?>(new CommandDefinition(CompleteSql,
            new { appId, key, outcome, now = now.UtcDateTime, noReply = NoReply }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return (outcome, reply);
    }

    private const string GetSql = "SELECT * FROM wechat_inbound WHERE app_id = @appId AND dedup_key = @key";

    public async Task<InboundRow?> GetAsync(string appId, string key, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<InboundRow>(new CommandDefinition(GetSql, new { appId, key }, cancellationToken: cancellationToken));
    }

    private const string MarkLateSentSql = """
        UPDATE wechat_inbound SET late_sent_at = @now
        WHERE app_id = @appId AND dedup_key = @key AND late_sent_at IS NULL
        """;

    /// <summary>
    /// Marks the late answer as sent before sending it: customer-service sends carry no idempotency key,
    /// so a crash between mark and send loses one answer rather than sending it twice.
    /// </summary>
    /// <returns>False when another run already sent it.</returns>
    public async Task<bool> TryMarkLateSentAsync(string appId, string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition(MarkLateSentSql, new { appId, key, now = now.UtcDateTime }, cancellationToken: cancellationToken)) == 1;
    }

    private const string PurgeSql = """
        DELETE FROM wechat_inbound WHERE ctid = ANY (ARRAY(
            SELECT ctid FROM wechat_inbound WHERE received_at < @before LIMIT @batch))
        """;

    /// <summary>Deletes log rows received before <paramref name="before"/>, in batches so no lock is held long.</summary>
    /// <returns>Rows deleted.</returns>
    public async Task<int> PurgeAsync(DateTimeOffset before, int batch, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        var total = 0;
        int deleted;
        do
        {
            deleted = await conn.ExecuteAsync(new CommandDefinition(PurgeSql, new { before = before.UtcDateTime, batch }, cancellationToken: cancellationToken));
            total += deleted;
        }
        while (deleted == batch);

        return total;
    }

    private sealed record DeferState(string? DeferredReply, string? StoredReply);

    private sealed record LockState(bool Handled, string? Outcome);
}
