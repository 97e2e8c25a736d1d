using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Npgsql;
using WechatKepu.Benchmarks.Load;
using WechatKepu.Data;
using WechatKepu.Data.Callback;
using WechatKepu.Data.Delivery;
using WechatKepu.Data.Embedded;
using WechatKepu.Data.Parents;
using WechatKepu.LoadTest;
using WechatKepu.Simulator;
using WechatKepu.Testing;

namespace WechatKepu.Benchmarks.Scale;

/// <summary>
/// Issue 21: the costs of the product's requests and jobs against the size of its data (<see cref="DataSize"/>).
/// <c>scale --size S</c> makes sure the size's data set exists (<see cref="DataSet"/>), copies it to
/// <c>bench_scale_S</c> (left in place for the other load tests of the same size: the sign-up race, the callback
/// load test and the delivery campaign run on it next), starts the backend as its own Release process on it and
/// measures, a request at a time from a few connections: a parent's 我的报名 and catalogue, the console's lists,
/// search, dashboard and exports; then the nightly jobs' statements (the reminder planner's queries, the
/// retention purges) straight on the database. Each figure is printed as a <c>bench-figure</c> line, which
/// <c>.ci/bench</c> gathers into one table of figures against size.
/// </summary>
public static class ScaleBenchmark
{
    private const string MpSecret = "bench-mp-secret";
    private const string OaSecret = "bench-oa-secret";
    private const string AdminPassword = "bench-admin-password-1";

    /// <summary>The cluster every load test uses (durable, fsync on).</summary>
    public static string ClusterRoot => Path.Combine(RepoRoot.Find(), ".data", "pg-bench");

    public static Task<EmbeddedPostgres> StartClusterAsync() => EmbeddedPostgres.StartAsync(ClusterRoot, "postgres");

    /// <summary><c>dataset SIZE</c>: generates (or keeps) the data set of a size and prints how long it took.</summary>
    public static async Task<int> GenerateAsync(string size)
    {
        await using var pg = await StartClusterAsync();
        var (database, seconds) = await DataSet.EnsureAsync(pg, DataSize.Parse(size), Console.Out);
        Console.WriteLine($"{database}: {(seconds == 0 ? "kept" : $"generated in {seconds:F0} s")}");
        return 0;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var size = DataSize.Parse(Arg(args, "--size") ?? "small");
        await using var pg = await StartClusterAsync();
        var (_, generated) = await DataSet.EnsureAsync(pg, size, Console.Out);
        if (generated > 0)
        {
            BenchReport.Figure("data set generated (s)", size.Name, generated.ToString("F0", CultureInfo.InvariantCulture), generated, "time");
        }

        var copyClock = Stopwatch.StartNew();
        var database = await DataSet.CopyAsync(pg, size);
        Console.WriteLine($"copied to {database} in {copyClock.Elapsed.TotalSeconds:F1} s");
        var connectionString = pg.ConnectionString(database);
        DataSetup.Initialise();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await ReportSizesAsync(dataSource, size);

        await using var sim = await SimulatorHost.StartAsync(new SimulatorOptions { RecordBodies = false });
        sim.Simulator.AddAccount(DataSet.MpAppId, MpSecret);
        sim.Simulator.AddAccount(DataSet.OaAppId, OaSecret);
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Kepu"] = connectionString,
            ["Wechat__ApiBaseUrl"] = sim.BaseUrl,
            ["Wechat__MiniProgram__AppId"] = DataSet.MpAppId,
            ["Wechat__MiniProgram__AppSecret"] = MpSecret,
            ["Wechat__OfficialAccounts__0__AppId"] = DataSet.OaAppId,
            ["Wechat__OfficialAccounts__0__AppSecret"] = OaSecret,
            ["Wechat__OfficialAccounts__0__Token"] = "bench-token",
            ["Jobs__RunServer"] = "false",
            // Testing rather than Benchmark for the one thing they differ in here: staff cookies over plain HTTP
            // (loopback, no TLS proxy in front).
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
        };
        await using var server = await ServerProcess.StartAsync(environment);
        await CreateAdminAsync(environment);
        var cpu = new CpuMeter(server.Pid, Path.Combine(pg.DataDirectory));

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 8, UseCookies = false }) { BaseAddress = new Uri(server.BaseUrl) };
        var staff = await StaffSignInAsync(http);
        var parents = await ParentsAsync(http, sim.Simulator, size);
        await using var conn = await dataSource.OpenConnectionAsync();
        var busySession = await conn.ExecuteScalarAsync<long>("SELECT session_id FROM signups GROUP BY session_id ORDER BY count(*) DESC, session_id LIMIT 1");
        var activity = await conn.ExecuteScalarAsync<long>("SELECT activity_id FROM sessions WHERE id = @busySession", new { busySession });
        var summaryExport = await SummaryExportPathAsync(conn);

        var requests = new List<(string Name, int Count, int Connections, Func<int, HttpRequestMessage> Make)>
        {
            ("parent: 我的报名 GET /api/mp/signups", 2000, 8, i => Bearer(HttpMethod.Get, "/api/mp/signups", parents[i % parents.Length])),
            ("parent: catalogue GET /api/mp/sessions", 2000, 8, i => Bearer(HttpMethod.Get, "/api/mp/sessions", parents[i % parents.Length])),
            ("parent: activities GET /api/activities", 2000, 8, _ => new HttpRequestMessage(HttpMethod.Get, "/api/activities")),
            ("console: dashboard", 100, 2, _ => staff.Get("/api/console/dashboard")),
            ("console: activities and sessions", 100, 2, _ => staff.Get("/api/console/activities")),
            ("console: a session's sign-ups", 100, 2, _ => staff.Get($"/api/console/sessions/{busySession}/signups")),
            ("console: a session's notices", 100, 2, _ => staff.Get($"/api/console/sessions/{busySession}/notices")),
            ("console: followers, page 1", 100, 2, _ => staff.Get("/api/console/followers")),
            ("console: followers, page 200", 100, 2, _ => staff.Get("/api/console/followers?page=200")),
            ("console: follower search by openid", 100, 2, i => staff.Get($"/api/console/followers?q={DataSet.FollowerOpenId(1 + (i * 7919L) % size.Followers)}")),
            ("console: follower search by remark", 100, 2, _ => staff.Get("/api/console/followers?q=%E8%80%81%E5%B8%88")),
            ("console: follower search by remark, 3 characters", 100, 2, _ => staff.Get("/api/console/followers?q=" + Uri.EscapeDataString("科技馆"))),
            ("console: activity search", 100, 2, i => staff.Get($"/api/console/activities?q=科普活动{1 + i % 5}")),
            ("console: campaigns", 100, 2, _ => staff.Get("/api/console/campaigns")),
            ("console: audit log", 100, 2, _ => staff.Get("/api/console/audit")),
            ("console: export a session (.xlsx)", 20, 1, _ => staff.Get($"/api/console/sessions/{busySession}/export.xlsx")),
            ("console: export an activity (.xlsx)", 10, 1, _ => staff.Get($"/api/console/activities/{activity}/export.xlsx")),
        };
        if (summaryExport is not null)
        {
            requests.Add(("console: summary campaign export (.xlsx)", 10, 1, _ => staff.Get(summaryExport)));
        }
        else
        {
            Console.WriteLine("summary campaign export: no summary campaign (skipped)");
        }

        // Steady state, as on a server that has been up since the morning: it has served this mix before, so the
        // JIT has finished tiering its paths up and the statements are prepared. One unmeasured pass of the whole
        // mix first (each request up to 300 times, or 10 s), then the measured pass.
        foreach (var (name, count, connections, make) in requests)
        {
            await WarmAsync(http, name, Math.Min(count, 300), connections, make);
        }

        foreach (var (name, count, connections, make) in requests)
        {
            await MeasureAsync(http, server, cpu, size, name, count, connections, make);
        }

        await MeasureJobsAsync(dataSource, cpu, size);
        BenchReport.Figure("server peak RSS over the requests (MB)", size.Name, server.PeakMemoryMb().ToString("F0", CultureInfo.InvariantCulture), server.PeakMemoryMb(), "RSS");
        return 0;
    }

    /// <summary>Row counts of the tables that grow, and their size on disk with indexes.</summary>
    private static async Task ReportSizesAsync(NpgsqlDataSource dataSource, DataSize size)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        foreach (var table in new[] { "followers", "signups", "deliveries", "wechat_inbound", "staff_audit_log" })
        {
            var (rows, mb) = await conn.QuerySingleAsync<(long, double)>(
                $"SELECT (SELECT count(*) FROM {table}), pg_total_relation_size('{table}') / 1048576.0");
            Console.WriteLine($"{table,-16} {rows,12:N0} rows {mb,9:F0} MB");
            BenchReport.Figure($"table {table}: rows, on disk with indexes", size.Name, FormattableString.Invariant($"{rows:N0}, {mb:F0} MB"), rows, "rows");
        }
    }

    /// <summary>The unmeasured pass: <paramref name="count"/> requests over the same connections, or 10 s.</summary>
    private static async Task WarmAsync(HttpClient http, string name, int count, int connections, Func<int, HttpRequestMessage> make)
    {
        var warming = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count && warming.Elapsed < TimeSpan.FromSeconds(10))
            {
                using var warm = await http.SendAsync(make(i));
                if (!warm.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"{name}: {(int)warm.StatusCode} {await warm.Content.ReadAsStringAsync()}");
                }

                await warm.Content.LoadIntoBufferAsync();
            }
        })));
    }

    private static async Task MeasureAsync(HttpClient http, ServerProcess server, CpuMeter cpu, DataSize size, string name, int count,
        int connections, Func<int, HttpRequestMessage> make)
    {
        var latencies = new Latencies();
        var next = -1;
        var errors = 0;
        var peakRss = 0.0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peakRss = Math.Max(peakRss, RssMb(server.Pid));
                await Task.Delay(50);
            }
        });
        var before = cpu.Read();
        var clock = Stopwatch.StartNew();
        // At most `count` requests or 30 s, whichever comes first (a slow console page at the year size).
        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(make(i));
                await response.Content.LoadIntoBufferAsync();
                latencies.Add(Stopwatch.GetElapsedTime(start));
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        var wall = clock.Elapsed;
        var after = cpu.Read();
        count = latencies.Count;
        await sampling.CancelAsync();
        await sampler;

        var perOp = (after.Server - before.Server).TotalMicroseconds / count;
        var pgPerOp = (after.Postgres - before.Postgres).TotalMicroseconds / count;
        Console.WriteLine($"{name,-44} {count,5} requests {count / wall.TotalSeconds,8:F1}/s  p50 {latencies.Percentile(50),7:F1} ms  p99 {latencies.Percentile(99),7:F1} ms  " +
            $"server {perOp,7:F0} µs  PostgreSQL {pgPerOp,7:F0} µs a request  RSS ≤ {peakRss:F0} MB  errors {errors}");
        BenchReport.Figure($"{name} ({connections} conn.)", size.Name,
            BenchReport.Cell(count / wall.TotalSeconds, latencies.Percentile(50), latencies.Percentile(99), perOp, pgPerOp, peakRss),
            latencies.Percentile(99), "p99");
        if (errors > 0)
        {
            BenchReport.Figure($"{name}: errors", size.Name, errors.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// The nightly jobs' statements, each on the data of one more day as it would find it in steady state: the
    /// reminder planner's pass (reconcile, due reminders, due rounds), the sign-up retention purge, the inbound
    /// purge and the delivery-row purge of the data set's oldest day.
    /// </summary>
    private static async Task MeasureJobsAsync(NpgsqlDataSource dataSource, CpuMeter cpu, DataSize size)
    {
        var now = DateTimeOffset.UtcNow;
        await using var conn = await dataSource.OpenConnectionAsync();
        var reminders = new ReminderStore(dataSource);
        async Task Job(string name, Func<Task<string>> run)
        {
            var before = cpu.Read();
            var clock = Stopwatch.StartNew();
            var what = await run();
            var wall = clock.Elapsed;
            var after = cpu.Read();
            Console.WriteLine($"{name,-44} {wall.TotalMilliseconds,9:F0} ms  PostgreSQL CPU {(after.Postgres - before.Postgres).TotalMilliseconds,7:F0} ms  ({what})");
            BenchReport.Figure($"job: {name}", size.Name,
                FormattableString.Invariant($"**{wall.TotalMilliseconds:F0} ms**, PostgreSQL CPU {(after.Postgres - before.Postgres).TotalMilliseconds:F0} ms ({what})"),
                wall.TotalMilliseconds, "wall");
        }

        for (var round = 0; round < 2; round++)
        {
            // Twice: the first run plans the statements; the second is what a tick every minute costs.
            await Job(round == 0 ? "planner pass, first" : "planner pass", async () =>
            {
                var (campaigns, rows) = await reminders.ReconcileAsync(now, default);
                var due = await reminders.DueSessionRemindersAsync([1440, 120], now, default);
                var rounds = await reminders.DueTopicRoundsAsync(now, default);
                return $"{campaigns + rows} reconciled, {due.Count} reminders due, {rounds.Count} rounds due";
            });
        }

        // The oldest day of each kind, as the nightly run finds it once the year is under way.
        var sessionsEnd = await conn.ExecuteScalarAsync<DateTime>("SELECT min(ends_at) + interval '1 day' FROM sessions");
        var inboundDay = await conn.ExecuteScalarAsync<DateTime>("SELECT min(received_at) + interval '1 day' FROM wechat_inbound");
        var campaignDay = await conn.ExecuteScalarAsync<DateTime>(
            "SELECT min(coalesce(completed_at, cancelled_at)) + interval '1 day' FROM delivery_campaigns WHERE status <> 'active'");
        await Job("retention purge (sign-ups, one day)", async () =>
        {
            var (signups, logins) = await new RetentionStore(dataSource).PurgeAsync(sessionsEnd, now, default);
            return $"{signups} sign-ups anonymised, {logins} logins";
        });
        await Job("inbound purge (one day)", async () => $"{await new InboundStore(dataSource).PurgeAsync(inboundDay, 5000, default)} rows");
        await Job("delivery-row purge (one day)", async () => $"{await new DeliveryPurge(dataSource).PurgeAsync(campaignDay, 5000, now, default)} rows");
    }

    private static async Task CreateAdminAsync(Dictionary<string, string> environment)
    {
        var result = await ServerProcess.RunAsync(new Dictionary<string, string>(environment) { ["KEPU_ADMIN_PASSWORD"] = AdminPassword },
            "--create-admin", "bench");
        if (result.Exit != 0)
        {
            throw new InvalidOperationException($"--create-admin failed: {result}");
        }
    }

    /// <summary>The admin's cookie and antiforgery token, sent by hand (the client keeps no cookies).</summary>
    private sealed record Staff(string Cookie, string Token)
    {
        public HttpRequestMessage Get(string path)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("Cookie", Cookie);
            request.Headers.Add("X-CSRF-TOKEN", Token);
            return request;
        }
    }

    private static async Task<Staff> StaffSignInAsync(HttpClient http)
    {
        var cookies = new CookieContainer();
        var baseUri = http.BaseAddress!;
        async Task<string> TokenAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/console/antiforgery");
            request.Headers.TryAddWithoutValidation("Cookie", cookies.GetCookieHeader(baseUri));
            using var response = await http.SendAsync(request);
            Keep(response);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        }

        void Keep(HttpResponseMessage response)
        {
            if (response.Headers.TryGetValues("Set-Cookie", out var set))
            {
                foreach (var c in set)
                {
                    cookies.SetCookies(baseUri, c);
                }
            }
        }

        var token = await TokenAsync();
        using (var login = new HttpRequestMessage(HttpMethod.Post, "/api/console/login")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { username = "bench", password = AdminPassword }), Encoding.UTF8, "application/json"),
        })
        {
            login.Headers.TryAddWithoutValidation("Cookie", cookies.GetCookieHeader(baseUri));
            login.Headers.Add("X-CSRF-TOKEN", token);
            using var response = await http.SendAsync(login);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"staff sign-in: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            Keep(response);
        }

        token = await TokenAsync();
        return new Staff(cookies.GetCookieHeader(baseUri), token);
    }

    /// <summary>Tokens of 200 of the data set's parents (spread over the year), logged in through the simulator.</summary>
    private static async Task<string[]> ParentsAsync(HttpClient http, WechatSimulator wechat, DataSize size)
    {
        var step = Math.Max(1, size.Guardians / 200);
        var tokens = new List<string>();
        for (var i = 1L; i <= size.Guardians && tokens.Count < 200; i += step)
        {
            var code = wechat.IssueLoginCode(DataSet.ParentOpenId(i), DataSet.MpAppId);
            using var response = await http.PostAsJsonAsync("/api/mp/login", new { code });
            response.EnsureSuccessStatusCode();
            tokens.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!);
        }

        return [.. tokens];
    }

    private static HttpRequestMessage Bearer(HttpMethod method, string path, string token)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    /// <summary>The summary workbook of the first summary campaign (全国科普日, seeded from the plan), or null without one.</summary>
    private static async Task<string?> SummaryExportPathAsync(NpgsqlConnection conn) =>
        await conn.ExecuteScalarAsync<long?>("SELECT min(id) FROM summary_campaigns WHERE to_regclass('summary_campaigns') IS NOT NULL") is { } id
            ? $"/api/console/summaries/campaigns/{id}/export.xlsx" : null;

    private static double RssMb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return 0;
    }

    private static string? Arg(string[] args, string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
}
