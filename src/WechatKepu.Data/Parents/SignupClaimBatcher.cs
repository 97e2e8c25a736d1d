using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace WechatKepu.Data.Parents;

/// <summary>A party to place: the guardian, the children (in the order asked), its id and the request's time.</summary>
public sealed record PartyClaim(long UserId, long[] ChildIds, Guid PartyId, DateTime Now);

/// <summary>
/// The claim's decision, read once from the function's text (<see cref="SignupClaimOutcomes.Parse"/>). A placed
/// party (confirmed or waitlisted) has its new sign-up ids with their children in the same order; a waitlisted
/// one its waitlist_seq and position; a duplicate the child's name.
/// </summary>
public sealed record PartyDecision(SignupOutcome Outcome, long[]? Ids, long[]? ChildIds, long? WaitlistSeq, int? WaitlistPosition, string? ChildName);

/// <summary>How large a sign-up batch may grow, and how many connections are kept open between bursts.</summary>
public sealed record SignupClaimSizes(int MaxBatch = 256, int KeptConnections = 2);

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
/// claim at fault sees the error. An outcome the function should never give fails that claim alone, logged,
/// without a retry: the function has committed whatever it did.
///
/// A singleton of the container: disposing it (at shutdown) closes the connections it keeps. A session's queue
/// lives only while it has claims waiting.
/// </remarks>
public sealed class SignupClaimBatcher(NpgsqlDataSource dataSource, SignupClaimSizes sizes, ILogger<SignupClaimBatcher> logger) : IAsyncDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentBag<NpgsqlConnection> _idle = [];
    private volatile bool _disposed;

    private const string Sql = """
        SELECT ord, outcome, ids, child_ids, waitlist_seq, waitlist_position, child_name
        FROM signup_claim_batch($1, $2, $3, $4, $5, $6, $7)
        """;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, Lane> _lanes = new();

    /// <summary>Sessions with claims queued or being decided (an idle session's queue is dropped).</summary>
    public int QueuedSessions => _lanes.Count;

    /// <summary>Connections kept open for the next burst.</summary>
    public int KeptConnections => _idle.Count;

    public Task<PartyDecision> ClaimAsync(long sessionId, PartyClaim claim, int maxActivePerGuardian)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var pending = new Pending(claim, maxActivePerGuardian, new TaskCompletionSource<PartyDecision>(TaskCreationOptions.RunContinuationsAsynchronously));
        Lane lane;
        bool start;
        while (true)
        {
            lane = _lanes.GetOrAdd(sessionId, id => new Lane(id));
            lock (lane)
            {
                // A lane its drain has just dropped from the map takes no more claims: take the new one.
                if (lane.Dropped)
                {
                    continue;
                }

                lane.Queue.Add(pending);
                start = !lane.Running;
                lane.Running = true;
                break;
            }
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
        // batch every claim waits for would otherwise queue behind the pre-checks for a connection. A few
        // are kept between bursts (SignupClaimSizes.KeptConnections): a backend's first call of the function
        // compiles it and plans its statements.
        _idle.TryTake(out var conn);
        async Task<Answer[]> Run(List<Pending> batch)
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
            if (conn is not null && (_disposed || _idle.Count >= sizes.KeptConnections || conn.FullState != System.Data.ConnectionState.Open))
            {
                await conn.DisposeAsync();
            }
            else if (conn is not null)
            {
                _idle.Add(conn);
            }
        }
    }

    private async Task DrainLoopAsync(Lane lane, Func<List<Pending>, Task<Answer[]>> run)
    {
        while (true)
        {
            List<Pending> batch;
            lock (lane)
            {
                if (lane.Queue.Count == 0)
                {
                    lane.Running = false;
                    lane.Dropped = true;
                    _lanes.TryRemove(new KeyValuePair<long, Lane>(lane.SessionId, lane));
                    return;
                }

                var max = sizes.MaxBatch;
                batch = lane.Queue.Count <= max ? lane.Queue : lane.Queue[..max];
                lane.Queue = lane.Queue.Count <= max ? [] : lane.Queue[max..];
            }

            try
            {
                var decisions = await run(batch);
                for (var i = 0; i < batch.Count; i++)
                {
                    Decide(batch[i], decisions[i], lane.SessionId);
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
                        Decide(pending, (await run([pending]))[0], lane.SessionId);
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

    /// <summary>Completes a claim with the function's answer, read once; an outcome it should never give fails the claim.</summary>
    private void Decide(Pending pending, Answer answer, long sessionId)
    {
        SignupOutcome outcome;
        try
        {
            outcome = SignupClaimOutcomes.Parse(answer.Outcome);
        }
        catch (UnknownSignupOutcomeException ex)
        {
            logger.LogError(ex, "signup_claim_batch answered '{Outcome}' for a party of user {UserId} in session {SessionId}",
                answer.Outcome, pending.Claim.UserId, sessionId);
            pending.Done.TrySetException(ex);
            return;
        }

        pending.Done.TrySetResult(new PartyDecision(outcome, answer.Ids, answer.ChildIds, answer.WaitlistSeq, answer.WaitlistPosition, answer.ChildName));
    }

    private static async Task<Answer[]> RunAsync(NpgsqlConnection conn, long sessionId, List<Pending> batch)
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

        var decisions = new Answer[batch.Count];
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                decisions[reader.GetInt32(0) - 1] = new Answer(
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

    /// <summary>One row of the function's answer, its outcome still text.</summary>
    private sealed record Answer(string Outcome, long[]? Ids, long[]? ChildIds, long? WaitlistSeq, int? WaitlistPosition, string? ChildName);

    private sealed record Pending(PartyClaim Claim, int MaxActive, TaskCompletionSource<PartyDecision> Done);

    private sealed class Lane(long sessionId)
    {
        public long SessionId { get; } = sessionId;

        public List<Pending> Queue { get; set; } = [];

        public bool Running { get; set; }

        /// <summary>Removed from the map once its queue ran dry; a claim that still finds it takes a new lane.</summary>
        public bool Dropped { get; set; }
    }

    /// <summary>Closes the kept connections; a drain still running closes its own when it ends.</summary>
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        while (_idle.TryTake(out var conn))
        {
            await conn.DisposeAsync();
        }
    }
}
