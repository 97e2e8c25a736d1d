using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using WechatKepu.Data.Parents;
using WechatKepu.Testing;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.MiniProgram;

/// <summary>
/// <c>signup_claim_batch</c> on its own, with batches built by hand, so that what concurrency makes
/// likely but not certain (several parties in one batch) is tested every time.
/// </summary>
public sealed class SignupClaimBatchTests(KepuApp app) : IClassFixture<KepuApp>
{
    private sealed record Party(long UserId, long[] Children);

    private async Task<List<(int Ord, string Outcome, long[]? Ids, string? ChildName)>> ClaimAsync(long session, int maxActive, params Party[] parties)
    {
        await using var conn = await app.OpenAsync();
        var now = app.Clock.GetUtcNow().UtcDateTime;
        var rows = await conn.QueryAsync<(int, string, long[]?, string?)>(
            "SELECT ord, outcome, ids, child_name FROM signup_claim_batch(@session, @parties, @users, @sizes, @children, @nows, @maxActive)",
            new
            {
                session,
                parties = parties.Select(_ => Guid.NewGuid()).ToArray(),
                users = parties.Select(p => p.UserId).ToArray(),
                sizes = parties.Select(p => p.Children.Length).ToArray(),
                children = parties.SelectMany(p => p.Children).ToArray(),
                nows = parties.Select(_ => now).ToArray(),
                maxActive,
            });
        return rows.ToList();
    }

    private async Task<(long UserId, long[] Children)> GuardianAsync(int children)
    {
        var (parent, kids) = await Parent.ReadyAsync(app, children);
        await using var conn = await app.OpenAsync();
        var userId = await conn.ExecuteScalarAsync<long>("SELECT user_id FROM children WHERE id = @id", new { id = kids[0].Id });
        return (userId, kids.Select(k => k.Id).ToArray());
    }

    /// <summary>One guardian's parties (indexes into their children) for a fresh session of 10 places.</summary>
    private async Task<List<(int Ord, string Outcome, long[]? Ids, string? ChildName)>> OneGuardianAsync(int children, int maxActive, params int[][] parties)
    {
        var session = await Sessions.CreateAsync(app, capacity: 10, waitlist: 0);
        var g = await GuardianAsync(children);
        return await ClaimAsync(session, maxActive, parties.Select(p => new Party(g.UserId, p.Select(i => g.Children[i]).ToArray())).ToArray());
    }

    [Fact]
    public async Task Parties_are_decided_in_order_first_fit_and_whole()
    {
        var session = await Sessions.CreateAsync(app, capacity: 3, waitlist: 2);
        var a = await GuardianAsync(2);
        var b = await GuardianAsync(2);
        var c = await GuardianAsync(1);
        var d = await GuardianAsync(2);
        var e = await GuardianAsync(1);

        var result = await ClaimAsync(session, 10,
            new Party(a.UserId, a.Children), // 2 of 3 places
            new Party(b.UserId, b.Children), // does not fit the last place: waitlisted (2 of 2)
            new Party(c.UserId, c.Children), // takes the last place
            new Party(d.UserId, d.Children), // nothing left
            new Party(e.UserId, e.Children));

        Assert.Equal(["confirmed", "waitlisted", "confirmed", "full", "full"], result.Select(r => r.Outcome));
        Assert.Equal([1, 2, 3, 4, 5], result.Select(r => r.Ord));
        Assert.Equal(2, result[0].Ids!.Length);
        Assert.Equal(2, result[1].Ids!.Length);
        Assert.Single(result[2].Ids!);
        Assert.Null(result[3].Ids);

        await using var conn = await app.OpenAsync();
        var counters = await conn.QuerySingleAsync<(int, int)>("SELECT confirmed_count, waitlist_count FROM sessions WHERE id = @session", new { session });
        Assert.Equal((3, 2), counters);
        Assert.Equal(5L, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM signup_events WHERE session_id = @session", new { session }));
        var seqs = (await conn.QueryAsync<long?>("SELECT waitlist_seq FROM signups WHERE session_id = @session AND status = 'waitlisted'", new { session })).Distinct().ToList();
        Assert.Single(seqs); // one party, one place in the queue
    }

    [Fact]
    public async Task A_child_twice_in_one_batch_is_placed_once_and_named()
    {
        var result = await OneGuardianAsync(children: 2, maxActive: 10, [0], [1, 0]);

        Assert.Equal("confirmed", result[0].Outcome);
        Assert.Equal("duplicate", result[1].Outcome);
        Assert.Equal("孩子1", result[1].ChildName);
        Assert.Null(result[1].Ids);
    }

    [Fact]
    public async Task A_child_with_an_active_sign_up_in_the_session_is_a_duplicate_and_a_cancelled_one_is_not()
    {
        var session = await Sessions.CreateAsync(app, capacity: 10, waitlist: 0);
        var g = await GuardianAsync(children: 3);
        var other = await GuardianAsync(children: 1);
        var earlier = await ClaimAsync(session, 10, new Party(g.UserId, [g.Children[0]]), new Party(g.UserId, [g.Children[1]]));
        Assert.Equal(["confirmed", "confirmed"], earlier.Select(r => r.Outcome));
        await using (var conn = await app.OpenAsync())
        {
            await conn.ExecuteAsync("UPDATE signups SET status = 'cancelled' WHERE id = @id", new { id = earlier[1].Ids![0] });
        }

        var result = await ClaimAsync(session, 10,
            new Party(g.UserId, [g.Children[2], g.Children[0]]), // the second child is signed up already
            new Party(g.UserId, [g.Children[1]]),                 // its sign-up was cancelled: free to come again
            new Party(other.UserId, other.Children));

        Assert.Equal(["duplicate", "confirmed", "confirmed"], result.Select(r => r.Outcome));
        Assert.Equal("孩子1", result[0].ChildName);
        Assert.Null(result[0].Ids);
    }

    [Fact]
    public async Task The_guardian_limit_counts_what_the_batch_itself_placed()
    {
        var result = await OneGuardianAsync(children: 3, maxActive: 2, [0], [1], [2]);

        Assert.Equal(["confirmed", "confirmed", "limit"], result.Select(r => r.Outcome));
    }

    [Fact]
    public async Task Other_guardians_children_and_unknown_guardians_are_refused_without_touching_the_counters()
    {
        var session = await Sessions.CreateAsync(app, capacity: 10, waitlist: 0);
        var mine = await GuardianAsync(1);
        var theirs = await GuardianAsync(1);
        var result = await ClaimAsync(session, 10,
            new Party(mine.UserId, theirs.Children),
            new Party(999_999_999, mine.Children));

        Assert.Equal(["child_gone", "user_gone"], result.Select(r => r.Outcome));
        await using var conn = await app.OpenAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT confirmed_count FROM sessions WHERE id = @session", new { session }));
        Assert.Equal(0L, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM signups WHERE session_id = @session", new { session }));
    }

    [Fact]
    public async Task A_cancelled_session_refuses_every_party()
    {
        var session = await Sessions.CreateAsync(app, capacity: 10, waitlist: 0);
        var g = await GuardianAsync(1);
        await using (var conn = await app.OpenAsync())
        {
            await conn.ExecuteAsync("UPDATE sessions SET status = 'cancelled' WHERE id = @session", new { session });
        }

        var result = await ClaimAsync(session, 10, new Party(g.UserId, g.Children));
        Assert.Equal("cancelled", Assert.Single(result).Outcome);
    }

    [Fact]
    public async Task Placed_parties_come_back_with_their_children_and_waitlist_positions_as_a_read_would_show_them()
    {
        var session = await Sessions.CreateAsync(app, capacity: 1, waitlist: 10);
        var first = await GuardianAsync(1);
        var a = await GuardianAsync(2);
        var b = await GuardianAsync(1);
        var c = await GuardianAsync(2);
        Assert.Equal("confirmed", Assert.Single(await ClaimAsync(session, 10, new Party(first.UserId, first.Children))).Outcome);
        var earlier = Assert.Single(await ClaimAsync(session, 10, new Party(a.UserId, a.Children)));

        // Two children of c in reverse order: the children come back in the order of the new ids.
        await using var conn = await app.OpenAsync();
        var now = app.Clock.GetUtcNow().UtcDateTime;
        var batch = (await conn.QueryAsync<(int Ord, string Outcome, long[] Ids, long[] ChildIds, long Seq, int Position)>(
            "SELECT ord, outcome, ids, child_ids, waitlist_seq, waitlist_position FROM signup_claim_batch(@session, @parties, @users, @sizes, @children, @nows, 10)",
            new
            {
                session,
                parties = new[] { Guid.NewGuid(), Guid.NewGuid() },
                users = new[] { b.UserId, c.UserId },
                sizes = new[] { 1, 2 },
                children = new[] { b.Children[0], c.Children[1], c.Children[0] },
                nows = new[] { now, now },
            })).ToList();

        Assert.Equal("waitlisted", earlier.Outcome);
        Assert.Equal(["waitlisted", "waitlisted"], batch.Select(r => r.Outcome));
        Assert.Equal([2, 3], batch.Select(r => r.Position)); // a's party is first in the queue
        foreach (var row in batch)
        {
            var stored = (await conn.QueryAsync<(long Id, long ChildId, long Seq, int Position)>($"""
                SELECT s.id, s.child_id, s.waitlist_seq, {WechatKepu.Data.Parents.SignupStore.WaitlistPositionSql}
                FROM signups s WHERE s.id = ANY (@ids) ORDER BY s.id
                """, new { ids = row.Ids })).ToList();
            Assert.Equal(row.Ids, stored.Select(s => s.Id));
            Assert.Equal(row.ChildIds, stored.Select(s => s.ChildId));
            Assert.All(stored, s => Assert.Equal((row.Seq, row.Position), (s.Seq, s.Position)));
        }
    }

    [Fact]
    public async Task A_session_s_queue_is_dropped_when_idle_and_kept_connections_close_on_dispose()
    {
        const string appName = "signup-batcher-test";
        var connectionString = new NpgsqlConnectionStringBuilder(app.ConnectionString) { ApplicationName = appName }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var batcher = new SignupClaimBatcher(dataSource, new SignupClaimSizes(MaxBatch: 8, KeptConnections: 1), NullLogger<SignupClaimBatcher>.Instance);

        // A guardian that does not exist: the function answers user_gone and writes nothing.
        var session = await Sessions.CreateAsync(app, capacity: 3, waitlist: 0);
        var decision = await batcher.ClaimAsync(session, new PartyClaim(-1, [-1], Guid.NewGuid(), app.Clock.GetUtcNow().UtcDateTime), 10);
        Assert.Equal(SignupOutcome.UserGone, decision.Outcome);

        await ServerProcess.WaitUntilAsync(() => Task.FromResult(batcher.QueuedSessions == 0 && batcher.KeptConnections == 1),
            "the session's queue is dropped and its connection kept", TimeSpan.FromSeconds(30));
        Assert.Equal(1L, await OpenAsync(appName));

        await batcher.DisposeAsync();
        await dataSource.DisposeAsync(); // closes what is returned to its pool; a connection still held stays open
        Assert.Equal(0, batcher.KeptConnections);
        await ServerProcess.WaitUntilAsync(async () => await OpenAsync(appName) == 0, "the kept connection is closed", TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => batcher.ClaimAsync(session, new PartyClaim(-1, [-1], Guid.NewGuid(), DateTime.UtcNow), 10));
    }

    private Task<long> OpenAsync(string applicationName) =>
        app.ScalarAsync<long>($"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{applicationName}'");
}
