using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Dapper;
using Npgsql;
using WechatKepu.Benchmarks.Load;
using WechatKepu.Data.Embedded;
using WechatKepu.Simulator;
using WechatKepu.Testing;
using Xunit.Abstractions;

namespace WechatKepu.Server.Tests.Resilience;

/// <summary>
/// PostgreSQL restarted under load, and (heavy) an instance killed mid-campaign: the backends recover by
/// themselves, answer 503 (never 500) while the database is away, and every acknowledged sign-up is there.
/// The database is a cluster of this test's own, since it is stopped and started.
/// </summary>
public sealed class FaultTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<ServerProcess> _servers = [];
    private EmbeddedPostgres? _pg;
    private SimulatorHost? _simulator;
    private string _dir = "";

    public async Task InitializeAsync()
    {
        _dir = Path.Combine(RepoRoot.Find(), ".data", "pg-tests", "fault-" + Guid.NewGuid().ToString("N")[..8]);
        _pg = await EmbeddedPostgres.StartAsync(_dir, "postgres", new EmbeddedPostgresOptions { Durable = false });
        await _pg.EnsureDatabaseAsync("fault");
        _simulator = await SimulatorHost.StartAsync();
        _simulator.Simulator.AddAccount(ClusterTests.AppId, ClusterTests.Secret);
    }

    [Fact]
    public async Task Database_restart_under_load_gives_503s_then_recovers_and_keeps_every_acknowledged_signup()
    {
        var db = _pg!.ConnectionString("fault");
        var environment = ClusterTests.Environment(db, _simulator!.BaseUrl);
        _servers.AddRange(await Task.WhenAll(ServerProcess.StartAsync(environment), ServerProcess.StartAsync(environment)));
        var clients = _servers.Select(s => new HttpClient { BaseAddress = new Uri(s.BaseUrl), Timeout = TimeSpan.FromSeconds(30) }).ToArray();
        var parents = await RemoteParents.PrepareAsync(clients, _simulator.Simulator, ClusterTests.AppId, Heavy.Pick(16, 60), "o-fault", parallelism: 8);
        var sessions = new List<long>();
        for (var i = 0; i < 40; i++)
        {
            sessions.Add(await RemoteParents.CreateSessionAsync(db, capacity: 1_000, waitlist: 0));
        }

        var load = new Load(clients, parents, sessions);
        var running = load.RunAsync(workers: 8);

        await load.WaitForSuccessesAsync(20, "sign-ups before the outage");
        await _pg.StopAsync();
        var unavailableBefore = load.Unavailable;
        await Waits.ForAsync(() => Task.FromResult(load.Unavailable >= unavailableBefore + 5), "503s while the database is down");
        await _pg.RestartAsync();
        var afterRestart = load.Successes;
        await load.WaitForSuccessesAsync(afterRestart + 20, "sign-ups after the restart");

        if (Heavy.Enabled)
        {
            // An instance dies mid-campaign; the load goes to the other one; the instance comes back on its address.
            var victim = _servers[0];
            await victim.KillAsync();
            await load.WaitForSuccessesAsync(load.Successes + 20, "sign-ups on the surviving instance");
            _servers[0] = await ServerProcess.StartAsync(environment, victim.BaseUrl);
            await victim.DisposeAsync();
            await load.WaitForSuccessesAsync(load.Successes + 20, "sign-ups after the instance restarted");
        }

        load.Stop();
        await running;
        output.WriteLine(load.Summary());

        Assert.True(load.Failures.IsEmpty, "unexpected answers:\n" + string.Join('\n', load.Failures.Take(20)));
        Assert.True(load.Unavailable > 0);

        // Not from this process's pool: its connections from before the restart are dead.
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(db) { Pooling = false }.ConnectionString);
        var present = (await conn.QueryAsync<long>("SELECT id FROM signups WHERE status = 'confirmed'")).ToHashSet();
        var missing = load.Acknowledged.Where(id => !present.Contains(id)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged sign-ups are missing: {string.Join(", ", missing.Take(10))}");
        Assert.Equal(0L, await conn.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM sessions s
            WHERE confirmed_count <> (SELECT count(*) FROM signups WHERE session_id = s.id AND status = 'confirmed')
            """));

        foreach (var server in _servers)
        {
            using var http = new HttpClient();
            var ready = await http.GetAsync(server.BaseUrl + "/readyz");
            Assert.True(ready.StatusCode == HttpStatusCode.OK, await ready.Content.ReadAsStringAsync());
        }
    }

    /// <summary>
    /// Workers signing parents up for one session after another, on the instances in turn; a refused
    /// connection (instance down) moves on to the next instance, as nginx does for a connect error.
    /// </summary>
    private sealed class Load(HttpClient[] clients, RemoteParent[] parents, List<long> sessions)
    {
        private readonly CancellationTokenSource _stop = new();
        private int _next = -1;
        private int _successes;
        private int _unavailable;
        private int _refused;

        public ConcurrentBag<long> Acknowledged { get; } = [];

        public ConcurrentQueue<string> Failures { get; } = new();

        public int Successes => Volatile.Read(ref _successes);

        public int Unavailable => Volatile.Read(ref _unavailable);

        public void Stop() => _stop.Cancel();

        public string Summary() => $"{Successes} acknowledged, {Unavailable} answered 503, {Volatile.Read(ref _refused)} connections refused";

        public async Task WaitForSuccessesAsync(int count, string what) =>
            await Waits.ForAsync(() => Task.FromResult(Successes >= count || !Failures.IsEmpty), what, 90);

        public Task RunAsync(int workers) => Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(WorkAsync)));

        private async Task WorkAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref _next);
                var parent = parents[n % parents.Length];
                var session = sessions[n / parents.Length % sessions.Count];
                var instance = n;
                // The same sign-up is retried until it has an answer that is not "try again".
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        using var response = await RemoteParents.SignUpAsync(clients[instance % clients.Length], parent, session);
                        var body = await response.Content.ReadAsStringAsync();
                        if (response.StatusCode == HttpStatusCode.Created)
                        {
                            foreach (var signup in JsonDocument.Parse(body).RootElement.GetProperty("signups").EnumerateArray())
                            {
                                Acknowledged.Add(signup.GetProperty("id").GetInt64());
                            }

                            Interlocked.Increment(ref _successes);
                            break;
                        }

                        if (response.StatusCode == HttpStatusCode.ServiceUnavailable && ClusterTests.Code(body) == "service_unavailable"
                            && response.Headers.RetryAfter is not null)
                        {
                            Interlocked.Increment(ref _unavailable);
                            await Task.Delay(50);
                            continue;
                        }

                        // A 503 whose commit happened before the connection dropped: the retry finds it.
                        if (response.StatusCode == HttpStatusCode.Conflict && ClusterTests.Code(body) == "already_signed_up")
                        {
                            break;
                        }

                        Failures.Enqueue($"{(int)response.StatusCode} {body}");
                        break;
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref _refused);
                        instance++;
                        await Task.Delay(50);
                    }
                }
            }
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }

        if (_pg is not null)
        {
            await _pg.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
