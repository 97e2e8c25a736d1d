using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Dapper;
using Npgsql;
using WechatKepu.Benchmarks.Load;
using WechatKepu.Data.Embedded;
using WechatKepu.Data.Migrations;
using WechatKepu.Simulator;
using WechatKepu.Testing;
using Xunit.Abstractions;

namespace WechatKepu.Server.Tests.Resilience;

/// <summary>Set KEPU_HEAVY_TESTS=1 to run the heavier variants (more parents, instance kills, longer outages).</summary>
public static class Heavy
{
    public static readonly bool Enabled = Environment.GetEnvironmentVariable("KEPU_HEAVY_TESTS") == "1";

    public static int Pick(int normal, int heavy) => Enabled ? heavy : normal;
}

/// <summary>
/// Backends as real child processes on one PostgreSQL, as deployed behind nginx: the work spreads over
/// instances, and the database, not the process, keeps the invariants.
/// </summary>
public sealed class ClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    public const string AppId = "wxclustermp00001";
    public const string Secret = "cluster-secret";

    private readonly List<ServerProcess> _servers = [];
    private SimulatorHost? _simulator;
    private string _db = "";

    private WechatSimulator Wechat => _simulator!.Simulator;

    public async Task InitializeAsync()
    {
        _simulator = await SimulatorHost.StartAsync();
        Wechat.AddAccount(AppId, Secret);
        _db = await TestPostgres.CreateDatabaseAsync("cluster");
    }

    /// <summary>The settings of every instance: one database, one WeChat, Hangfire workers on.</summary>
    public static Dictionary<string, string> Environment(string connectionString, string simulatorUrl) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Testing",
        ["ConnectionStrings__Kepu"] = connectionString,
        ["Wechat__ApiBaseUrl"] = simulatorUrl,
        ["Wechat__MiniProgram__AppId"] = AppId,
        ["Wechat__MiniProgram__AppSecret"] = Secret,
        ["Jobs__RunServer"] = "true",
        ["Jobs__WorkerCount"] = "2",
        ["MiniProgram__MaxActiveSignupsPerGuardian"] = "100",
    };

    [Fact]
    public async Task Two_instances_migrate_once_and_never_overbook_a_session_between_them()
    {
        // Both start at once on an empty database: one applies the migrations, the other waits and finds none.
        var started = await Task.WhenAll(
            ServerProcess.StartAsync(Environment(_db, _simulator!.BaseUrl)),
            ServerProcess.StartAsync(Environment(_db, _simulator.BaseUrl)));
        _servers.AddRange(started);
        await using (var conn = new NpgsqlConnection(_db))
        {
            var versions = (await conn.QueryAsync<int>("SELECT version FROM schema_migrations ORDER BY version")).ToList();
            Assert.Equal(SchemaMigrator.Embedded.Select(m => m.Version).Order(), versions);
            // Each instance registered its own Hangfire server on the shared storage.
            await Waits.ForAsync(async () => await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hangfire.server") == 2, "two job servers");
            Assert.Equal(1L, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM activities WHERE code = '5.1.2'"));
        }

        var clients = _servers.Select(s => new HttpClient { BaseAddress = new Uri(s.BaseUrl) }).ToList();
        var parentCount = Heavy.Pick(40, 400);
        var places = parentCount / 4;
        var waiting = parentCount / 8;
        var parents = await RemoteParents.PrepareAsync(clients, Wechat, AppId, parentCount, "o-cluster", parallelism: 8);
        var session = await RemoteParents.CreateSessionAsync(_db, places, waiting);
        var retried = 0;

        // Every parent at once, alternating instances. A 503 (every pooled connection busy behind the
        // session's row lock, in the heavy variant) is "try again", as the mini-program does.
        var answers = await Task.WhenAll(parents.Select(async (p, i) =>
        {
            while (true)
            {
                using var response = await RemoteParents.SignUpAsync(clients[(i + 1) % clients.Count], p, session);
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                {
                    return ((int)response.StatusCode, body);
                }

                Interlocked.Increment(ref retried);
                await Task.Delay(100);
            }
        }));
        output.WriteLine($"{retried} answers were 503 and retried");

        var outcomes = answers.GroupBy(a => a.Item1 == 201 ? JsonDocument.Parse(a.Item2).RootElement.GetProperty("outcome").GetString()! : $"{a.Item1} {Code(a.Item2)}")
            .ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine(string.Join(", ", outcomes.Select(o => $"{o.Key}: {o.Value}")));
        // A 503 may come after the commit (the answer could not be built): the retry then says "already
        // signed up", which is that parent's place. Places taken = confirmed + waitlisted + those.
        Assert.Equal(places + waiting,
            outcomes.GetValueOrDefault("confirmed") + outcomes.GetValueOrDefault("waitlisted") + outcomes.GetValueOrDefault("409 already_signed_up"));
        Assert.Equal(parentCount - places - waiting, outcomes.GetValueOrDefault("409 session_full"));
        if (retried == 0)
        {
            Assert.Equal(places, outcomes.GetValueOrDefault("confirmed"));
            Assert.Equal(waiting, outcomes.GetValueOrDefault("waitlisted"));
        }
        else
        {
            output.WriteLine(string.Join('\n', _servers.SelectMany(s => s.Output.Split('\n'))
                .Where(l => l.Contains("Database unavailable", StringComparison.Ordinal)).Distinct().Take(3)));
        }

        await using (var conn = new NpgsqlConnection(_db))
        {
            var (confirmed, waitlisted, confirmedRows, waitRows) = await conn.QuerySingleAsync<(int, int, long, long)>("""
                SELECT confirmed_count, waitlist_count,
                       (SELECT count(*) FROM signups WHERE session_id = s.id AND status = 'confirmed'),
                       (SELECT count(*) FROM signups WHERE session_id = s.id AND status = 'waitlisted')
                FROM sessions s WHERE id = @session
                """, new { session });
            Assert.Equal((places, waiting, (long)places, (long)waiting), (confirmed, waitlisted, confirmedRows, waitRows));
        }

        // Both instances served parents: logins and sign-ups landed on each.
        foreach (var server in _servers)
        {
            using var http = new HttpClient();
            var metrics = await http.GetStringAsync(server.BaseUrl + "/metrics");
            Assert.Matches("kepu_signup_outcomes_total\\{outcome=\"(Confirmed|Waitlisted|SessionFull)\"\\} [1-9]", metrics);
        }
    }

    public static string Code(string problem)
    {
        try
        {
            return JsonDocument.Parse(problem).RootElement.GetProperty("code").GetString() ?? "";
        }
        catch (JsonException)
        {
            return problem.Length > 80 ? problem[..80] : problem;
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

        await TestPostgres.DropDatabaseAsync(_db);
    }
}

public static class Waits
{
    /// <summary>Polls <paramref name="condition"/> every 100 ms; TimeoutException naming <paramref name="what"/> after <paramref name="seconds"/>.</summary>
    public static async Task ForAsync(Func<Task<bool>> condition, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waited {seconds} s for {what}");
            }

            await Task.Delay(100);
        }
    }
}
