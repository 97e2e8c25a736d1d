using WechatKepu.Server.Tests.Delivery;
using WechatKepu.Simulator;
using WechatKepu.Testing;
using Xunit.Abstractions;

namespace WechatKepu.Server.Tests.Resilience;

/// <summary>
/// Two backend processes with job servers drain one campaign together: the shared access token is fetched
/// once between them, and every recipient is sent exactly one message (one template call, not a resend).
/// </summary>
public sealed class ClusterDeliveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_instances_share_one_access_token_and_send_each_delivery_once()
    {
        var recipients = Heavy.Pick(1200, 5000);
        var db = await TestPostgres.CreateDatabaseAsync("clusterdlv");
        await using var simulator = await SimulatorHost.StartAsync(new SimulatorOptions { RecordBodies = false });
        var wechat = simulator.Simulator;
        var openIds = CrashTests.AddFollowers(wechat, recipients);
        // Slow sends keep the campaign running for several ticks, so both instances' workers take part.
        wechat.Faults.SetDelay(TimeSpan.FromMilliseconds(40), CrashTests.Template);
        var environment = ServerProcess.DeliveryEnvironment(db, simulator.BaseUrl, CrashTests.AppId, CrashTests.Secret);
        environment["Delivery__ConcurrencyPerWorker"] = "4";
        environment["Delivery__BatchSize"] = "50";
        // One worker each: a tick arriving while one instance's worker is still dispatching must be taken by
        // the other instance, so both take part whatever Hangfire's placement.
        environment["Jobs__WorkerCount"] = "1";

        await using (var first = ServerProcess.Start(environment))
        await using (var second = ServerProcess.Start(environment))
        {
            await ServerProcess.WaitUntilAsync(() => ServerProcess.MigratedAsync(db), "the servers migrated the database", TimeSpan.FromMinutes(2));
            await ServerProcess.WaitUntilAsync(() => JobServersAsync(db), "both job servers registered", TimeSpan.FromMinutes(2));
            var campaignId = await CrashTests.CreateCampaignAsync(db, openIds);
            await ServerProcess.WaitUntilAsync(async () => await ServerProcess.ScalarAsync<string>(db,
                $"SELECT status FROM delivery_campaigns WHERE id = {campaignId}") == "completed", "the campaign completed", TimeSpan.FromMinutes(3));
            Assert.False(first.HasExited || second.HasExited);
            var servers = await ServerProcess.ScalarAsync<long>(db,
                "SELECT count(DISTINCT data::jsonb ->> 'ServerId') FROM hangfire.state WHERE name = 'Processing'");
            output.WriteLine($"job servers that processed jobs: {servers}");
            Assert.Equal(2, servers);
        }

        var received = CrashTests.Received(wechat);
        output.WriteLine($"template calls: {wechat.CountCalls(CrashTests.Template)}; stable_token calls: {wechat.CountCalls("/cgi-bin/stable_token")}");
        Assert.All(openIds, o => Assert.Equal(1, received.GetValueOrDefault(o)));
        Assert.Equal(recipients, wechat.CountCalls(CrashTests.Template));
        Assert.Equal(1, wechat.CountCalls("/cgi-bin/stable_token"));
        await TestPostgres.DropDatabaseAsync(db);
    }

    // Hangfire creates its schema when its storage first starts, a moment after our migrations.
    private static async Task<bool> JobServersAsync(string db)
    {
        try
        {
            return await ServerProcess.ScalarAsync<long>(db, "SELECT count(*) FROM hangfire.server") == 2;
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.UndefinedTable)
        {
            return false;
        }
    }
}
