using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;
using WechatKepu.Data.Embedded;
using WechatKepu.Simulator.Platform;

namespace WechatKepu.LoadTest;

/// <summary>
/// Callback throughput: starts PostgreSQL and the real server (a separate process, so its memory is its
/// own), adds a keyword rule, then drives safe-mode text callbacks with distinct MsgIds from N
/// connections in a closed loop and reports rate, latency percentiles, errors and the server's peak RSS.
/// <code>dotnet run -c Release --project tests/WechatKepu.LoadTest -- --connections 32 --duration 10</code>
/// </summary>
public static class Program
{
    private const string AppId = "wxoaload000000001";
    private const string Token = "load-token";
    private const string Keyword = "开放时间";
    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static async Task<int> Main(string[] args)
    {
        // The generator's socket continuations run on the epoll threads instead of hopping to the thread
        // pool: it never blocks, and the hop (a wake-up and a context switch a request) is CPU the server
        // on the same cores would otherwise get. Read once, before the first socket; the server does not
        // inherit it.
        Environment.SetEnvironmentVariable(InlineCompletions, "1");
        var o = Options.Parse(args);
        var root = Path.Combine(Path.GetTempPath(), "kepu-loadtest");
        Directory.CreateDirectory(root);
        // --pg-root and --database: run on that cluster's database (a data set's copy of the benchmarks, issue 21)
        // and keep it.
        await using var pg = await EmbeddedPostgres.StartAsync(o.PgRoot ?? Path.Combine(root, "pg"), "kepu_load",
            new EmbeddedPostgresOptions { Durable = o.Durable, MaxConnections = 200 });
        var db = o.Database ?? "load_" + DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
        await pg.EnsureDatabaseAsync(db);
        var connectionString = pg.ConnectionString(db);
        var aesKey = WechatPlatform.NewEncodingAesKey();
        var port = FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";

        using var server = StartServer(o.ServerDll, baseUrl, connectionString, aesKey);
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler
            {
                MaxConnectionsPerServer = o.Connections,
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
                UseProxy = false,
            }) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(5) };
            await WaitHealthyAsync(http, server);
            await AddRuleAsync(connectionString);

            using var platform = new WechatPlatform(http, new PlatformAccount(AppId, Token, aesKey));
            var count = (int)Math.Min(o.MaxRequests, (o.Duration + o.Warmup) * o.ExpectedRate);
            Console.WriteLine($"Preparing {count:N0} signed, encrypted callbacks (distinct MsgIds)…");
            var requests = Prepare(platform, count, $"127.0.0.1:{port}");
            var endpoint = new IPEndPoint(IPAddress.Loopback, port);

            // Warm-up, then the measured run with fresh messages.
            var next = 0;
            var warm = await RunAsync(endpoint, platform, requests, () => Interlocked.Increment(ref next) - 1, o.Connections, TimeSpan.FromSeconds(o.Warmup), verifyEvery: 0);
            Console.WriteLine($"Warm-up: {warm.Count:N0} callbacks, {warm.Errors} errors");
            var cpu = new CpuMeter(server.Id, pg.DataDirectory);
            var cpuBefore = cpu.Read();
            var run = await RunAsync(endpoint, platform, requests, () => Interlocked.Increment(ref next) - 1, o.Connections, TimeSpan.FromSeconds(o.Duration), verifyEvery: 50);
            var cpuAfter = cpu.Read();
            server.Refresh();
            var (rss, peak) = Memory(server.Id);
            var rows = await CountAsync(connectionString);
            Report(o, run, rss, peak, rows, cpuBefore, cpuAfter);
            return run.Errors == 0 && !run.Exhausted ? 0 : 1;
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync();
            }

            if (o.Database is null)
            {
                await pg.DropDatabaseAsync(db);
            }
        }
    }

    private sealed record Prepared(byte[] Request, string Xml);

    private sealed record Result(int Count, int Errors, double Seconds, long[] LatencyTicks, bool Exhausted, string? FirstError);

    private static Prepared[] Prepare(WechatPlatform platform, int count, string host)
    {
        var requests = new Prepared[count];
        Parallel.For(0, count, i =>
        {
            var xml = PlatformMessages.Text(platform.Account.OriginalId, $"o-load-{i % 5000:D5}", platform.Now, Keyword, 9_000_000_000L + i);
            // Distinct nonces: WeChat's are random, and a repeat inside one second is refused as a replay.
            var signed = platform.Sign(xml, CallbackMode.Safe, nonce: (1_000_000_000L + i).ToString(CultureInfo.InvariantCulture));
            requests[i] = new Prepared(RawHttpConnection.Request("POST", host, signed.PathAndQuery, "text/xml", Encoding.UTF8.GetBytes(signed.Body)), xml);
        });
        return requests;
    }

    private static async Task<Result> RunAsync(
        IPEndPoint server, WechatPlatform platform, Prepared[] requests, Func<int> take, int connections, TimeSpan duration, int verifyEvery)
    {
        var stop = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var errors = 0;
        var exhausted = false;
        string? firstError = null;
        var latencies = new List<long>[connections];
        var open = await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => RawHttpConnection.ConnectAsync(server)));
        var started = Stopwatch.GetTimestamp();

        void Fail(string error)
        {
            Interlocked.Increment(ref errors);
            Interlocked.CompareExchange(ref firstError, error, null);
        }

        var workers = Enumerable.Range(0, connections).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new List<long>(1 << 16);
            var connection = open[w];
            try
            {
                while (Stopwatch.GetTimestamp() < stop)
                {
                    var i = take();
                    if (i >= requests.Length)
                    {
                        exhausted = true;
                        return;
                    }

                    var r = requests[i];
                    var t0 = Stopwatch.GetTimestamp();
                    try
                    {
                        var response = await connection.SendAsync(r.Request);
                        mine.Add(Stopwatch.GetTimestamp() - t0);
                        if (response.Status != 200 || !response.BodyStartsWith("<xml><Encrypt>"u8))
                        {
                            Fail($"{response.Status}: {response.Text[..Math.Min(response.Text.Length, 200)]}");
                        }
                        else if (verifyEvery > 0 && i % verifyEvery == 0)
                        {
                            // Full verification (signature, decryption, addressee, the rule's text) on a sample: it
                            // costs the load generator CPU the server would otherwise get.
                            var reply = platform.ReadReply(r.Xml, CallbackMode.Safe, response.Text);
                            if (reply is null || !reply.Contains("科普日快乐", StringComparison.Ordinal))
                            {
                                Fail("reply: " + reply);
                            }
                        }
                    }
                    catch (Exception ex) when (ex is IOException or SocketException or InvalidDataException or FormatException)
                    {
                        Fail(ex.GetType().Name + ": " + ex.Message);
                        connection.Dispose();
                        connection = await RawHttpConnection.ConnectAsync(server);
                    }
                }
            }
            finally
            {
                connection.Dispose();
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        return new Result(all.Length, errors, seconds, all, exhausted, firstError);
    }

    private static void Report(Options o, Result run, long rssKb, long peakKb, long rows, CpuMeter.Sample before, CpuMeter.Sample after)
    {
        string PerCallback(TimeSpan cpu) => run.Count == 0 ? "-" : $"{cpu.TotalMicroseconds / run.Count:0} µs";
        double Ms(double q) => run.LatencyTicks.Length == 0 ? 0 : run.LatencyTicks[Math.Min(run.LatencyTicks.Length - 1, (int)(q * run.LatencyTicks.Length))] * 1000.0 / Stopwatch.Frequency;
        Console.WriteLine();
        Console.WriteLine($"connections {o.Connections}, {run.Seconds:0.0} s, durable PostgreSQL: {o.Durable}");
        Console.WriteLine($"callbacks   {run.Count:N0}  ({run.Count / run.Seconds:N0}/s)");
        Console.WriteLine($"errors      {run.Errors}{(run.FirstError is null ? "" : "  first: " + run.FirstError)}{(run.Exhausted ? "  (ran out of prepared requests: raise --expected-rate)" : "")}");
        Console.WriteLine($"latency ms  p50 {Ms(0.50):0.00}  p90 {Ms(0.90):0.00}  p99 {Ms(0.99):0.00}  p99.9 {Ms(0.999):0.00}  max {Ms(1.0):0.00}");
        Console.WriteLine($"CPU a callback  server {PerCallback(after.Server - before.Server)}, PostgreSQL {PerCallback(after.Postgres - before.Postgres)}, " +
            $"load generator {PerCallback(after.LoadGenerator - before.LoadGenerator)} (machine: {Environment.ProcessorCount} cores)");
        Console.WriteLine($"server RSS  {rssKb / 1024} MB at end, peak {peakKb / 1024} MB");
        Console.WriteLine($"inbound rows {rows:N0} (warm-up + run; one per distinct MsgId)");
        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}");
        if (o.Size is { } size)
        {
            // The line the benchmarks' BenchReport.Figure prints: .ci/bench gathers them into one table against size.
            var cell = FormattableString.Invariant(
                $"{run.Count / run.Seconds:F0}/s, p50 {Ms(0.50):F1} ms, **p99 {Ms(0.99):F1} ms**, CPU {(after.Server - before.Server).TotalMicroseconds / Math.Max(1, run.Count):F0} / ") +
                FormattableString.Invariant($"{(after.Postgres - before.Postgres).TotalMicroseconds / Math.Max(1, run.Count):F0} µs, {peakKb / 1024} MB, {run.Errors} errors");
            Console.WriteLine(FormattableString.Invariant($"bench-figure\tcallback, claim included ({o.Connections} conn.)\t{size}\t{cell}\t{Ms(0.99)}\tp99"));
        }
    }

    private static Process StartServer(string dll, string url, string connectionString, string aesKey)
    {
        var info = new ProcessStartInfo("dotnet", [dll, "--urls", url])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        var env = info.Environment;
        env.Remove(InlineCompletions);
        env["ASPNETCORE_ENVIRONMENT"] = "Benchmark";
        env["ConnectionStrings__Kepu"] = connectionString;
        env["Logging__LogLevel__Default"] = "Warning";
        env["Database__SeedCatalogue"] = "false";
        env["Wechat__ApiBaseUrl"] = "http://127.0.0.1:9";
        env["Wechat__OfficialAccounts__0__AppId"] = AppId;
        env["Wechat__OfficialAccounts__0__AppSecret"] = "load-secret";
        env["Wechat__OfficialAccounts__0__Token"] = Token;
        env["Wechat__OfficialAccounts__0__EncodingAESKey"] = aesKey;
        env["Wechat__OfficialAccounts__0__Name"] = "压测公众号";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.WriteLine("[server] " + e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.WriteLine("[server] " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitHealthyAsync(HttpClient http, Process server)
    {
        for (var i = 0; i < 600; i++)
        {
            if (server.HasExited)
            {
                throw new InvalidOperationException("The server exited during start-up");
            }

            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The server did not become healthy within 60 s");
    }

    private static async Task AddRuleAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            WITH r AS (INSERT INTO reply_rules (app_id, keyword, match_kind, reply_text)
                       VALUES ($1, $2, 'exact', '科普日快乐！柳州科技馆每天 9:00–17:00 开放。') RETURNING app_id)
            SELECT pg_notify('kepu_reply_rules', app_id) FROM r
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = AppId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = Keyword });
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM wechat_inbound", conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private static (long RssKb, long PeakKb) Memory(int pid)
    {
        long Read(string key) => File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith(key, StringComparison.Ordinal))
            .Select(l => long.Parse(l[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)).FirstOrDefault();
        return (Read("VmRSS:"), Read("VmHWM:"));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record Options(int Connections, int Duration, int Warmup, int ExpectedRate, int MaxRequests, bool Durable, string ServerDll,
        string? PgRoot, string? Database, string? Size)
    {
        public static Options Parse(string[] args)
        {
            string? Get(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
            int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
            var repo = AppContext.BaseDirectory;
            while (repo is not null && !File.Exists(Path.Combine(repo, "WechatKepu.sln")))
            {
                repo = Path.GetDirectoryName(repo);
            }

            var dll = Get("--server-dll") ?? Path.Combine(repo ?? ".", "src/WechatKepu.Server/bin/Release/net10.0/WechatKepu.Server.dll");
            return new Options(Int("--connections", 32), Int("--duration", 10), Int("--warmup", 10), Int("--expected-rate", 25_000),
                Int("--max-requests", 600_000), Get("--durable") != "false", dll, Get("--pg-root"), Get("--database"), Get("--size"));
        }
    }
}
