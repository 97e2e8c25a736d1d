using System.Diagnostics;
using System.Globalization;
using Dapper;
using Npgsql;
using WechatKepu.Data;
using WechatKepu.Data.Delivery;
using WechatKepu.Data.Embedded;
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
        var settings = args.Skip(1).Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

        var root = Path.Combine(RepoRoot.Find(), ".data", "pg-bench");
        await using var postgres = await EmbeddedPostgres.StartAsync(root, "postgres", new EmbeddedPostgresOptions { Durable = true });
        var database = $"bench_{Guid.NewGuid():N}"[..20];
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

        var environment = ServerProcess.DeliveryEnvironment(connectionString, simulator.BaseUrl, AppId, Secret);
        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        await using var server = ServerProcess.Start(environment);
        await ServerProcess.WaitUntilAsync(() => ServerProcess.MigratedAsync(connectionString), "the server migrated the database", TimeSpan.FromMinutes(2));

        DataSetup.Initialise();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var conn = await dataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("INSERT INTO followers (app_id, openid, subscribed, subscribed_at) SELECT @AppId, o, true, now() FROM unnest(@openIds) AS o",
                new { AppId, openIds }, commandTimeout: 600);
            await conn.ExecuteAsync("ANALYZE followers");
        }

        var idleRss = server.RssBytes;
        var serverCpu = server.CpuTime;
        var ownCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long campaignId;
        await using (var conn = await dataSource.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            var created = await new DeliveryEngine(dataSource).CreateCampaignAsync(conn, tx,
                new CampaignSpec(CampaignKinds.Broadcast, "load-test", "压力测试", DateTimeOffset.UtcNow,
                    new CampaignContent(OaAppId: AppId, OaTemplateId: "tmpl-bench",
                        OaData: new Dictionary<string, string> { ["first"] = "全国科普日柳州活动", ["keyword1"] = "科学实验秀", ["remark"] = "欢迎参加" })),
                new DeliveryAudience.Followers(AppId), DateTimeOffset.UtcNow, CancellationToken.None);
            await tx.CommitAsync();
            campaignId = created!.CampaignId;
        }

        var createdAfter = clock.Elapsed;
        await ServerProcess.WaitUntilAsync(async () =>
        {
            server.Sample();
            return await ServerProcess.ScalarAsync<string>(connectionString, $"SELECT status FROM delivery_campaigns WHERE id = {campaignId}") == "completed";
        }, "the campaign completed", TimeSpan.FromMinutes(30));
        var total = clock.Elapsed;
        server.Sample();
        serverCpu = server.CpuTime - serverCpu;
        ownCpu = Process.GetCurrentProcess().TotalProcessorTime - ownCpu;
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";

        var received = wechat.CallsTo(TemplatePath).Where(c => c.Errcode == 0)
            .GroupBy(c => c.OpenId!).ToDictionary(g => g.Key, g => g.Select(c => c.MsgId).Distinct().Count());
        var exactlyOnce = received.Count == count && openIds.All(o => received.GetValueOrDefault(o) == 1);
        var sentRows = await ServerProcess.ScalarAsync<long>(connectionString, $"SELECT count(*) FROM deliveries WHERE campaign_id = {campaignId} AND status = 'sent'");

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
        Console.WriteLine($"backend RSS idle / peak    {idleRss / 1048576.0:F0} MB / {server.PeakRssBytes / 1048576.0:F0} MB");
        await postgres.DropDatabaseAsync(database);
        return exactlyOnce ? 0 : 1;
    }
}
