using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using WechatKepu.Data.Embedded;
using WechatKepu.Simulator;

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
        var parents = Arg(args, "--parents", 2000);
        var places = Arg(args, "--places", 200);
        var waitlist = Arg(args, "--waitlist", 200);
        var connections = Arg(args, "--connections", 64);

        await using var pg = await EmbeddedPostgres.StartAsync(Path.Combine(RepoRoot.Find(), ".data", "pg-bench"), "postgres");
        var db = $"bench_signups_{DateTime.UtcNow:yyyyMMddHHmmss}";
        await pg.EnsureDatabaseAsync(db);
        await using var sim = await SimulatorHost.StartAsync(new SimulatorOptions { RecordBodies = false });
        sim.Simulator.AddAccount("wxbenchmp", "bench-secret");
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__Kepu"] = pg.ConnectionString(db),
            ["Wechat__ApiBaseUrl"] = sim.BaseUrl,
            ["Wechat__MiniProgram__AppId"] = "wxbenchmp",
            ["Wechat__MiniProgram__AppSecret"] = "bench-secret",
            ["Jobs__RunServer"] = "false",
            ["MiniProgram__MaxActiveSignupsPerGuardian"] = "100",
        });

        async Task<long> CreateSessionAsync(int capacity, int waiting)
        {
            await using var conn = new NpgsqlConnection(pg.ConnectionString(db));
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("""
                INSERT INTO sessions (activity_id, title, starts_at, ends_at, venue, capacity, waitlist_capacity,
                                      signup_opens_at, signup_closes_at, cancel_deadline)
                SELECT id, '压测场次', now() + interval '10 days', now() + interval '10 days 2 hours', '柳州科技馆', $1, $2,
                       now() - interval '1 day', now() + interval '9 days', now() + interval '9 days'
                FROM activities WHERE code = '5.1.2' RETURNING id
                """, conn);
            cmd.Parameters.AddWithValue(capacity);
            cmd.Parameters.AddWithValue(waiting);
            return (long)(await cmd.ExecuteScalarAsync())!;
        }

        var sessionId = await CreateSessionAsync(places, waitlist);
        var warmupSession = await CreateSessionAsync(parents, 0);

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections })
        {
            BaseAddress = new Uri(server.BaseUrl),
        };

        Console.WriteLine($"Preparing {parents} parents (login, guardian, consent, child)...");
        var ready = new (string Token, long ChildId)[parents];
        await Parallel.ForEachAsync(Enumerable.Range(0, parents), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            var code = sim.Simulator.IssueLoginCode($"o-bench-{i}", "wxbenchmp");
            var login = await (await http.PostAsJsonAsync("/api/mp/login", new { code }, ct)).Content.ReadFromJsonAsync<JsonElement>(ct);
            var token = login.GetProperty("token").GetString()!;
            async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, object body)
            {
                using var request = new HttpRequestMessage(method, url) { Content = JsonContent.Create(body) };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                var response = await http.SendAsync(request, ct);
                response.EnsureSuccessStatusCode();
                return response;
            }

            await SendAsync(HttpMethod.Put, "/api/mp/me/guardian", new { name = $"家长{i}", phone = $"138{i:D8}" });
            await SendAsync(HttpMethod.Post, "/api/mp/me/consent", new { privacyNoticeVersion = "2024-09", agreed = true });
            var child = await (await SendAsync(HttpMethod.Post, "/api/mp/children", new { name = $"孩子{i}", grade = "三年级", school = "柳州市东环路小学" }))
                .Content.ReadFromJsonAsync<JsonElement>(ct);
            ready[i] = (token, child.GetProperty("id").GetInt64());
        });

        // Warm-up: JIT, prepared statements and pooled connections, on another session, not measured.
        await Parallel.ForEachAsync(ready.Take(Math.Min(200, parents)), new ParallelOptions { MaxDegreeOfParallelism = connections }, async (p, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/mp/sessions/{warmupSession}/signups")
            {
                Content = JsonContent.Create(new { childIds = new[] { p.ChildId } }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", p.Token);
            (await http.SendAsync(request, ct)).EnsureSuccessStatusCode();
        });

        Console.WriteLine($"Racing {parents} sign-ups for {places} places (+{waitlist} waiting) at {connections} connections...");
        var latencies = new Latencies();
        var outcomes = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < parents)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/mp/sessions/{sessionId}/signups")
                {
                    Content = JsonContent.Create(new { childIds = new[] { ready[i].ChildId } }),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ready[i].Token);
                var started = Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                latencies.Add(Stopwatch.GetElapsedTime(started));
                var key = response.StatusCode == HttpStatusCode.Created
                    ? JsonDocument.Parse(body).RootElement.GetProperty("outcome").GetString()!
                    : $"{(int)response.StatusCode} {JsonDocument.Parse(body).RootElement.GetProperty("code").GetString()}";
                outcomes.AddOrUpdate(key, 1, (_, n) => n + 1);
            }
        }));
        clock.Stop();

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
        Console.WriteLine();
        Console.WriteLine($"| sign-ups | connections | wall time | throughput | p50 | p99 | max | outcomes | confirmed rows / places | server peak RSS |");
        Console.WriteLine($"|---|---|---|---|---|---|---|---|---|---|");
        Console.WriteLine($"| {parents} | {connections} | {clock.Elapsed.TotalSeconds:F2} s | {throughput:F0}/s | {latencies.Percentile(50):F1} ms | {latencies.Percentile(99):F1} ms | {latencies.Percentile(100):F1} ms | {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key}: {o.Value}"))} | {confirmedRows} / {places} | {server.PeakMemoryMb():F0} MB |");
        Console.WriteLine(overbooked ? "OVERBOOKED or counters inconsistent!" : "No overbooking; counters match rows.");
        await pg.DropDatabaseAsync(db);
        return overbooked ? 1 : 0;
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
    }
}
