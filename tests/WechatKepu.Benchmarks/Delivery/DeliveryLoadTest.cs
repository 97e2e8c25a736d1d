using System.Diagnostics;
using System.Globalization;
using Dapper;
using Npgsql;
using WechatKepu.Data;
using WechatKepu.Data.Delivery;
using WechatKepu.Data.Embedded;
using WechatKepu.Benchmarks.Load;
using WechatKepu.Simulator;
using WechatKepu.Testing;

namespace WechatKepu.Benchmarks.Delivery;

/// <summary>
/// End-to-end delivery load test (not a BenchmarkDotNet class: one long run, measured from the outside).
/// The backend runs as its own process with Hangfire on; the simulator stands in for WeChat in this
/// process; PostgreSQL is an embedded, durable (fsync on) cluster. The clock starts before the campaign
/// and its N delivery rows are created, and stops when the campaign is completed; then WeChat's record
/// is checked for exactly one message per recipient.
/// <code>dotnet build -c Release src/WechatKepu.Server &amp;&amp; dotnet run -c Release --project tests/WechatKepu.Benchmarks -- delivery-load 100000</code>
/// </summary>
public static class DeliveryLoadTest
{
    private const string AppId = "wxoabenchmark000001";
    private const string Secret = "bench-secret";
    private const string TemplatePath = "/cgi-bin/message/template/send";

    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
        // database=NAME: the campaign goes out on that database of the cluster (a data set's copy, issue 21),
        // kept afterwards; size=LABEL labels the figures for the table against size. The rest are settings.
        var settings = args.Skip(1).Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var given = settings.Remove("database", out var named) ? named : null;
        var size = settings.Remove("size", out var label) ? label : null;

        var root = Path.Combine(RepoRoot.Find(), ".data", "pg-bench");
        await using var postgres = await EmbeddedPostgres.StartAsync(root, "postgres", new EmbeddedPostgresOptions { Durable = true });
        var database = given ?? $"bench_{Guid.NewGuid():N}"[..20];
        await postgres.EnsureDatabaseAsync(database);
        var connectionString = postgres.ConnectionString(database);

        await using var simulator = await SimulatorHost.StartAsync(new SimulatorOptions { RecordBodies = false });
        var wechat = simulator.Simulator;
        wechat.AddAccount(AppId, Secret);
        var openIds = Enumerable.Range(0, count).Select(i => $"o-bench-{i:D7}").ToArray();
        foreach (var openId in openIds)
        {
            wechat.AddFollower(AppId, openId);
        }

        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Kepu"] = connectionString,
            ["Wechat__ApiBaseUrl"] = simulator.BaseUrl,
            ["Wechat__OfficialAccounts__0__AppId"] = AppId,
            ["Wechat__OfficialAccounts__0__AppSecret"] = Secret,
            ["Wechat__OfficialAccounts__0__Token"] = "token",
            ["Jobs__RunServer"] = "true",
            ["Jobs__PollInterval"] = "00:00:00.200",
            ["Delivery__TickCron"] = "* * * * * *",   // the campaign starts within a second
            ["Delivery__QuietHoursStart"] = "00:00", // no quiet hours: the run may happen at night
            ["Delivery__QuietHoursEnd"] = "00:00",
            ["ASPNETCORE_ENVIRONMENT"] = "Benchmark",
        };
        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        // Healthy means migrated and seeded.
        await using var server = await ServerProcess.StartAsync(environment);

        DataSetup.Initialise();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var conn = await dataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("INSERT INTO followers (app_id, openid, subscribed, subscribed_at) SELECT @AppId, o, true, now() FROM unnest(@openIds) AS o",
                new { AppId, openIds }, commandTimeout: 600);
            await conn.ExecuteAsync("ANALYZE followers");
        }

        var idleRss = ProcStatus(server.Pid, "VmRSS:") / 1024.0;
        var serverCpu = CpuTime(server.Pid);
        var ownCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long campaignId;
        await using (var conn = await dataSource.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            var created = await new DeliveryEngine(dataSource).CreateCampaignAsync(conn, tx,
                new CampaignSpec(CampaignKinds.Broadcast, "load-test", "压力测试", DateTimeOffset.UtcNow,
                    new CampaignContent(OaAppId: AppId, OaTemplateId: "tmpl-bench",
                        OaData: new Dictionary<string, string> { ["keyword1"] = "科学实验秀", ["keyword2"] = "2024年9月21日 09:30", ["keyword3"] = "柳州科技馆" })),
                new DeliveryAudience.Followers(AppId), DateTimeOffset.UtcNow, CancellationToken.None);
            await tx.CommitAsync();
            campaignId = created!.CampaignId;
        }

        var createdAfter = clock.Elapsed;
        await using (var conn = await dataSource.OpenConnectionAsync())
        {
            while (await conn.ExecuteScalarAsync<string>("SELECT status FROM delivery_campaigns WHERE id = @campaignId", new { campaignId }) != "completed")
            {
                if (clock.Elapsed > TimeSpan.FromMinutes(30))
                {
                    throw new TimeoutException("the campaign did not complete in 30 minutes");
                }

                await Task.Delay(100);
            }
        }

        var total = clock.Elapsed;
        serverCpu = CpuTime(server.Pid) - serverCpu;
        ownCpu = Process.GetCurrentProcess().TotalProcessorTime - ownCpu;
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";

        var received = wechat.CallsTo(TemplatePath).Where(c => c.Errcode == 0)
            .GroupBy(c => c.OpenId!).ToDictionary(g => g.Key, g => g.Select(c => c.MsgId).Distinct().Count());
        var exactlyOnce = received.Count == count && openIds.All(o => received.GetValueOrDefault(o) == 1);
        long sentRows;
        await using (var conn = await dataSource.OpenConnectionAsync())
        {
            sentRows = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM deliveries WHERE campaign_id = @campaignId AND status = 'sent'", new { campaignId });
        }

        Console.WriteLine($"recipients                 {count:N0}");
        Console.WriteLine($"settings                   {(settings.Count == 0 ? "defaults" : string.Join(" ", settings.Select(s => s.Key + "=" + s.Value)))}");
        Console.WriteLine($"campaign + rows created    {createdAfter.TotalSeconds:F2} s");
        Console.WriteLine($"end to end                 {total.TotalSeconds:F2} s");
        Console.WriteLine($"throughput                 {count / total.TotalSeconds:N0} deliveries/s");
        Console.WriteLine($"template sends recorded    {wechat.CountCalls(TemplatePath):N0} (errors: {wechat.CallsTo(TemplatePath).Count(c => c.Errcode != 0):N0})");
        Console.WriteLine($"rows sent                  {sentRows:N0}");
        Console.WriteLine($"exactly once               {exactlyOnce}");
        Console.WriteLine($"backend CPU                {serverCpu.TotalSeconds:F1} s ({serverCpu.TotalMilliseconds * 1000 / count:F0} µs a delivery)");
        Console.WriteLine($"simulator + load test CPU  {ownCpu.TotalSeconds:F1} s");
        Console.WriteLine($"machine load average       {load} ({Environment.ProcessorCount} cores)");
        Console.WriteLine($"backend RSS idle / peak    {idleRss:F0} MB / {server.PeakMemoryMb():F0} MB");
        if (size is not null)
        {
            BenchReport.Figure("delivery campaign to every follower of the size (exactly once?)", size,
                FormattableString.Invariant($"{count:N0} recipients, **{count / total.TotalSeconds:F0}/s**, exactly once: {(exactlyOnce ? "yes" : "NO")}, ") +
                FormattableString.Invariant($"server CPU {serverCpu.TotalMilliseconds * 1000 / count:F0} µs a delivery, RSS idle {idleRss:F0} / peak {server.PeakMemoryMb():F0} MB"),
                count / total.TotalSeconds, "rate");
        }

        if (given is null)
        {
            await postgres.DropDatabaseAsync(database);
        }

        return exactlyOnce ? 0 : 1;
    }

    /// <summary>A field of /proc/&lt;pid&gt;/status in kB (VmRSS, VmHWM).</summary>
    private static long ProcStatus(int pid, string field) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith(field, StringComparison.Ordinal))
            .Select(l => long.Parse(l[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)).FirstOrDefault();

    /// <summary>User + system CPU of a process (/proc/&lt;pid&gt;/stat utime and stime, 100 ticks a second).</summary>
    private static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return TimeSpan.FromSeconds((long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0);
    }
}
