using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Npgsql;
using WechatKepu.Data.Embedded;
using WechatKepu.LoadTest;
using WechatKepu.Simulator;
using WechatKepu.Testing;

namespace WechatKepu.Benchmarks.Load;

/// <summary>
/// Issue 5's benchmark: N parents race for a session's places over loopback HTTP at C connections.
/// The server runs as its own Release process on a durable (fsync on) embedded PostgreSQL; the WeChat
/// simulator answers jscode2session. Reports throughput, latency percentiles, outcomes, peak server
/// memory, and checks the database for overbooking.
/// </summary>
public static class SignupRace
{
    public static async Task<int> RunAsync(string[] args)
    {
        // As in the callback load test: the generator's socket continuations run on the epoll threads
        // instead of hopping to the thread pool, CPU the server on the same cores gets instead. Read once,
        // before the process's first socket; ServerProcess does not pass it on.
        Environment.SetEnvironmentVariable(ServerProcess.InlineCompletions, "1");
        var parents = Arg(args, "--parents", 2000);
        var places = Arg(args, "--places", 200);
        var waitlist = Arg(args, "--waitlist", 200);
        var connections = Arg(args, "--connections", 64);

        // --database: race on that database of the cluster (a data set's copy, issue 21) and keep it; --size
        // labels the figures for the table of figures against size.
        var given = TextArg(args, "--database");
        var size = TextArg(args, "--size");
        await using var pg = await EmbeddedPostgres.StartAsync(Path.Combine(RepoRoot.Find(), ".data", "pg-bench"), "postgres");
        var db = given ?? $"bench_signups_{DateTime.UtcNow:yyyyMMddHHmmss}";
        await pg.EnsureDatabaseAsync(db);
        await using var sim = await SimulatorHost.StartAsync(new SimulatorOptions { RecordBodies = false });
        sim.Simulator.AddAccount("wxbenchmp", "bench-secret");
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Benchmark",
            ["ConnectionStrings__Kepu"] = pg.ConnectionString(db),
            ["Wechat__ApiBaseUrl"] = sim.BaseUrl,
            ["Wechat__MiniProgram__AppId"] = "wxbenchmp",
            ["Wechat__MiniProgram__AppSecret"] = "bench-secret",
            ["Jobs__RunServer"] = "false",
            ["MiniProgram__MaxActiveSignupsPerGuardian"] = "100"
        });

        var sessionId = await RemoteParents.CreateSessionAsync(pg.ConnectionString(db), places, waitlist);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections })
        {
            BaseAddress = new Uri(server.BaseUrl),
        };

        Console.WriteLine($"Preparing {parents} parents (login, guardian, consent, child)...");
        var ready = await RemoteParents.PrepareAsync([http], sim.Simulator, "wxbenchmp", parents, "o-bench");

        // Every round, warm-up and race, goes over the same raw keep-alive connections (RawHttpConnection,
        // as the callback load test does): HttpClient cost the generator ~90 µs of CPU a request, taken from
        // the server and PostgreSQL on the same two cores.
        var endpoint = System.Net.IPEndPoint.Parse(new Uri(server.BaseUrl).Authority);
        byte[][] RequestsFor(long session) => ready.Select(p => RawHttpConnection.Request("POST", endpoint.ToString(),
            $"/api/mp/sessions/{session}/signups", "application/json",
            JsonSerializer.SerializeToUtf8Bytes(new { childIds = new[] { p.ChildId } }), $"Bearer {p.Token}")).ToArray();
        byte[][] ViewsOf(long session) => ready.Select(p => RawHttpConnection.Request("GET", endpoint.ToString(),
            $"/api/mp/sessions/{session}", "application/json", [], $"Bearer {p.Token}")).ToArray();
        var raw = await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => RawHttpConnection.ConnectAsync(endpoint)));

        // Warm-up, not measured, three times over: every parent views the race's session, signs up where
        // there is room (the confirming path), then races for a session with one place and a waiting list
        // for a quarter of them (the waitlisting path, then the refusing one once the list is full), so the
        // race runs on tier-1 code (the server's and this generator's), prepared statements and a full
        // connection pool. Each step is followed by a pause: under a saturated CPU the runtime's background
        // compiler lags behind, and it counts calls only once no new code has been compiled for a while, so
        // a path must run again after a pause to be promoted, and framework code goes through an
        // instrumented tier first. With two rounds the JIT's log still showed the refusing path's
        // ProblemDetails writer promoted at the start of the race; with no waitlisting in the warm-up, that
        // path's first compilations were in the race.
        for (var round = 0; round < 3; round++)
        {
            var roomy = await RemoteParents.CreateSessionAsync(pg.ConnectionString(db), parents, 0);
            var mixed = await RemoteParents.CreateSessionAsync(pg.ConnectionString(db), 1, parents / 4);
            foreach (var (step, expected) in new[] { (ViewsOf(sessionId), "200"), (RequestsFor(roomy), "confirmed"), (RequestsFor(mixed), null) })
            {
                var results = await DriveAsync(raw, step);
                if (expected is not null && results.FirstOrDefault(r => r.Key != expected) is { Key: { } unexpected })
                {
                    throw new InvalidOperationException($"warm-up request answered {unexpected}");
                }

                await Task.Delay(TimeSpan.FromSeconds(2));
            }

            if (round == 0)
            {
                await SettleAsync(pg.ConnectionString(db));
            }
        }

        // Last, every parent opens the session's page, as parents do while waiting for sign-up to open (each
        // warm-up round did it too, so this runs on compiled code). It also loads each parent's login session
        // into the server's one-minute cache as their earlier requests would; without it the race began with
        // however many of those entries had expired since the warm-up, a share that changed from run to run
        // with the machine's speed.
        var views = await DriveAsync(raw, ViewsOf(sessionId));
        if (views.FirstOrDefault(v => v.Key != "200") is { Key: { } failed })
        {
            throw new InvalidOperationException($"viewing the session answered {failed}");
        }

        Console.WriteLine($"Racing {parents} sign-ups for {places} places (+{waitlist} waiting) at {connections} connections...");
        var requests = RequestsFor(sessionId);
        var cpu = new CpuMeter(server.Pid, pg.DataDirectory);
        var cpuBefore = cpu.Read();
        var clock = Stopwatch.StartNew();
        var race = await DriveAsync(raw, requests);
        clock.Stop();
        foreach (var connection in raw)
        {
            connection.Dispose();
        }

        var latencies = new Latencies();
        var byOutcome = new Dictionary<string, Latencies>();
        foreach (var (key, elapsed) in race)
        {
            latencies.Add(elapsed);
            (byOutcome.TryGetValue(key, out var l) ? l : byOutcome[key] = new Latencies()).Add(elapsed);
        }

        var outcomes = byOutcome.ToDictionary(o => o.Key, o => o.Value.Count);
        var cpuAfter = cpu.Read();
        string PerSignup(TimeSpan a, TimeSpan b) => $"{(a - b).TotalMicroseconds / parents:F0} µs";
        var cpuLine = $"CPU per sign-up: server {PerSignup(cpuAfter.Server, cpuBefore.Server)}, PostgreSQL {PerSignup(cpuAfter.Postgres, cpuBefore.Postgres)}, load generator {PerSignup(cpuAfter.LoadGenerator, cpuBefore.LoadGenerator)}.";
        Console.WriteLine(cpuLine);
        foreach (var (key, l) in byOutcome.OrderBy(o => o.Key))
        {
            Console.WriteLine($"  {key}: {l.Count} requests, p50 {l.Percentile(50):F1} ms, p99 {l.Percentile(99):F1} ms, max {l.Percentile(100):F1} ms");
        }

        await using var check = new NpgsqlConnection(pg.ConnectionString(db));
        await check.OpenAsync();
        await using var q = new NpgsqlCommand($"""
            SELECT s.confirmed_count, s.waitlist_count,
                   (SELECT count(*) FROM signups WHERE session_id = s.id AND status = 'confirmed'),
                   (SELECT count(*) FROM signups WHERE session_id = s.id AND status = 'waitlisted')
            FROM sessions s WHERE s.id = {sessionId}
            """, check);
        await using var r = await q.ExecuteReaderAsync();
        await r.ReadAsync();
        var (confirmedCount, waitCount, confirmedRows, waitRows) = (r.GetInt32(0), r.GetInt32(1), r.GetInt64(2), r.GetInt64(3));
        var overbooked = confirmedRows > places || confirmedRows != confirmedCount || waitRows != waitCount;

        var throughput = parents / clock.Elapsed.TotalSeconds;
        if (size is not null)
        {
            BenchReport.Figure($"sign-up race ({connections} conn.; no overbooking: {(overbooked ? "NO" : "yes")})", size,
                BenchReport.Cell(throughput, latencies.Percentile(50), latencies.Percentile(99), (cpuAfter.Server - cpuBefore.Server).TotalMicroseconds / parents,
                    (cpuAfter.Postgres - cpuBefore.Postgres).TotalMicroseconds / parents, server.PeakMemoryMb()),
                latencies.Percentile(99), "p99");
        }
        else
        {
            BenchReport.Section("signups", "Sign-up race (issue 5)",
                $"dotnet run -c Release --project tests/WechatKepu.Benchmarks -- signups --parents {parents} --places {places} --waitlist {waitlist} --connections {connections}",
            [
                $"{parents} logged-in parents race for one session's {places} places (+{waitlist} waiting) over loopback HTTP; the backend is its own Release process on a durable (fsync on) PostgreSQL.",
                "",
                "| sign-ups | connections | wall time | throughput | p50 | p99 | max | outcomes | confirmed rows / places | server peak RSS |",
                "|---|---|---|---|---|---|---|---|---|---|",
                $"| {parents} | {connections} | {clock.Elapsed.TotalSeconds:F2} s | {throughput:F0}/s | {latencies.Percentile(50):F1} ms | {latencies.Percentile(99):F1} ms | {latencies.Percentile(100):F1} ms | {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key}: {o.Value}"))} | {confirmedRows} / {places} | {server.PeakMemoryMb():F0} MB |",
                "",
                cpuLine,
                "",
                overbooked ? "**OVERBOOKED or counters inconsistent!**" : "No overbooking; the session's counters match its rows.",
            ]);
        }

        if (given is null)
        {
            await pg.DropDatabaseAsync(db);
        }

        return overbooked ? 1 : 0;
    }

    /// <summary>
    /// Sends each request once, <paramref name="connections"/> at a time in a closed loop, and returns each
    /// one's outcome (<c>confirmed</c>, <c>waitlisted</c>, or the status and problem code) and latency.
    /// </summary>
    private static async Task<(string Key, TimeSpan Elapsed)[]> DriveAsync(RawHttpConnection[] connections, byte[][] requests)
    {
        var results = new (string Key, TimeSpan Elapsed)[requests.Length];
        var next = -1;
        await Task.WhenAll(connections.Select(async connection =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests.Length)
            {
                var started = Stopwatch.GetTimestamp();
                var response = await connection.SendAsync(requests[i]);
                var elapsed = Stopwatch.GetElapsedTime(started);
                using var body = JsonDocument.Parse(response.Body);
                results[i] = (response.Status switch
                {
                    (int)HttpStatusCode.Created => body.RootElement.GetProperty("outcome").GetString()!,
                    (int)HttpStatusCode.OK => "200",
                    _ => $"{response.Status} {body.RootElement.GetProperty("code").GetString()}",
                }, elapsed);
            }
        }));
        return results;
    }

    /// <summary>
    /// Settles the database as a live one would be, between the warm-up rounds: the first round's rows
    /// would otherwise have autovacuum analyse and vacuum them during the race, and its WAL be written out
    /// by a checkpoint then. The second round then runs on the new statistics, so the race does not pay
    /// for the re-planning that ANALYZE causes in every connection.
    /// </summary>
    private static async Task SettleAsync(string connectionString)
    {
        await using var settle = new NpgsqlConnection(connectionString);
        await settle.OpenAsync();
        await using var vacuum = new NpgsqlCommand("VACUUM ANALYZE", settle);
        await vacuum.ExecuteNonQueryAsync();
        await using var checkpoint = new NpgsqlCommand("CHECKPOINT", settle);
        await checkpoint.ExecuteNonQueryAsync();
    }

    private static string? TextArg(string[] args, string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
    }
}
