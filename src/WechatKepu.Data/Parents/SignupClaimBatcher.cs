using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace WechatKepu.Data.Parents;

/// <summary>A party to place: the guardian, the children (in the order asked), its id and the request's time.</summary>
public sealed record PartyClaim(long UserId, long[] ChildIds, Guid PartyId, DateTime Now);

/// <summary>
/// The claim's decision: confirmed, waitlisted, full, cancelled, duplicate, limit, user_gone or child_gone.
/// A placed party has its new sign-up ids with their children in the same order; a waitlisted one its
/// waitlist_seq and position; a duplicate the child's name.
/// </summary>
public sealed record PartyDecision(string Outcome, long[]? Ids, long[]? ChildIds, long? WaitlistSeq, int? WaitlistPosition, string? ChildName);

/// <summary>
/// Group commit of sign-up claims, per session: while one batch for a session runs, the claims that
/// arrive for it queue up, and the next batch decides them all in one <c>signup_claim_batch</c> call, under
/// one lock of the session row and one commit (the statement is its own transaction). When a popular
/// session opens, hundreds of parents would otherwise take that lock one after another, each holding it
/// through a commit; here the queue drains in a few batches. A lone claim is a batch of one.
/// </summary>
/// <remarks>
/// Arrival order is kept: the queue is FIFO and the function decides parties in input order. If a batch
/// fails (a constraint, a deadlock with another path), each of its claims is retried alone, so only the
/// claim at fault sees the error.
/// </remarks>
internal sealed class SignupClaimBatcher(NpgsqlDataSource dataSource, ILogger logger)
{
    private const int MaxBatch = 256;
    private const int MaxIdle = 2;
    private readonly System.Collections.Concurrent.ConcurrentBag<NpgsqlConnection> _idle = [];

    private const string Sql = """
        SELECT ord, outcome, ids, child_ids, waitlist_seq, waitlist_position, child_name
        FROM signup_claim_batch($1, $2, $3, $4, $5, $6, $7)
        """;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, Lane> _lanes = new();

    public Task<PartyDecision> ClaimAsync(long sessionId, PartyClaim claim, int maxActivePerGuardian)
    {
        var lane = _lanes.GetOrAdd(sessionId, id => new Lane(id));
        var pending = new Pending(claim, maxActivePerGuardian, new TaskCompletionSource<PartyDecision>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool start;
        lock (lane)
        {
            lane.Queue.Add(pending);
            start = !lane.Running;
            lane.Running = true;
        }

        if (start)
        {
            _ = Task.Run(() => DrainAsync(lane));
        }

        return pending.Done.Task;
    }

    private async Task DrainAsync(Lane lane)
    {
        // One connection for the whole burst, not one from the pool per batch: with a bounded pool the
        // batch every claim waits for would otherwise queue behind the pre-checks for a connection. Up to
        // MaxIdle of them are kept between bursts: a backend's first call of the function compiles it and
        // plans its statements (a first batch of one took 24 ms in the race instead of 11).
        _idle.TryTake(out var conn);
        async Task<PartyDecision[]> Run(List<Pending> batch)
        {
            while (true)
            {
                var kept = conn is not null;
                conn ??= await dataSource.OpenConnectionAsync();
                try
                {
                    return await RunAsync(conn, lane.SessionId, batch);
                }
                catch
                {
                    var broken = conn.FullState != System.Data.ConnectionState.Open;
                    await conn.DisposeAsync(); // its state is unknown: the next batch takes a fresh one
                    conn = null;
                    if (!(kept && broken))
                    {
                        throw;
                    }

                    // A kept connection that died while idle (a database restart): once more on a fresh one.
                }
            }
        }

        try
        {
            await DrainLoopAsync(lane, Run);
        }
        finally
        {
            if (conn is not null && (_idle.Count >= MaxIdle || conn.FullState != System.Data.ConnectionState.Open))
            {
                await conn.DisposeAsync();
            }
            else if (conn is not null)
            {
                _idle.Add(conn);
            }
        }
    }

    private async Task DrainLoopAsync(Lane lane, Func<List<Pending>, Task<PartyDecision[]>> run)
    {
        while (true)
        {
            List<Pending> batch;
            lock (lane)
            {
                if (lane.Queue.Count == 0)
                {
                    lane.Running = false;
                    return;
                }

                batch = lane.Queue.Count <= MaxBatch ? lane.Queue : lane.Queue[..MaxBatch];
                lane.Queue = lane.Queue.Count <= MaxBatch ? [] : lane.Queue[MaxBatch..];
            }

            try
            {
                var decisions = await run(batch);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(decisions[i]);
                }
            }
            catch (Exception ex) when (batch.Count > 1)
            {
                logger.LogWarning(ex, "A batch of {Count} sign-up claims for session {SessionId} failed; retrying them one by one",
                    batch.Count, lane.SessionId);
                foreach (var pending in batch)
                {
                    try
                    {
                        pending.Done.TrySetResult((await run([pending]))[0]);
                    }
                    catch (Exception alone)
                    {
                        pending.Done.TrySetException(alone);
                    }
                }
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "A sign-up claim for session {SessionId} failed", lane.SessionId);
                batch[0].Done.TrySetException(ex);
            }
        }
    }

    private static async Task<PartyDecision[]> RunAsync(NpgsqlConnection conn, long sessionId, List<Pending> batch)
    {
        await using var cmd = new NpgsqlCommand(Sql, conn);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sessionId });
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = batch.Select(p => p.Claim.PartyId).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = batch.Select(p => p.Claim.UserId).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = batch.Select(p => p.Claim.ChildIds.Length).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = batch.SelectMany(p => p.Claim.ChildIds).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<DateTime[]>
        {
            TypedValue = batch.Select(p => p.Claim.Now).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz,
        });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batch[0].MaxActive });

        var decisions = new PartyDecision[batch.Count];
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                decisions[reader.GetInt32(0) - 1] = new PartyDecision(
                    reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetFieldValue<long[]>(2),
                    reader.IsDBNull(3) ? null : reader.GetFieldValue<long[]>(3),
                    reader.IsDBNull(4) ? null : reader.GetInt64(4),
                    reader.IsDBNull(5) ? null : reader.GetInt32(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6));
            }
        }

        return decisions;
    }

    private sealed record Pending(PartyClaim Claim, int MaxActive, TaskCompletionSource<PartyDecision> Done);

    private sealed class Lane(long sessionId)
    {
        public long SessionId { get; } = sessionId;

        public List<Pending> Queue { get; set; } = [];

        public bool Running { get; set; }
    }
}
