using Dapper;
using Npgsql;
using WechatKepu.Data;
using WechatKepu.Data.Delivery;
using WechatKepu.Simulator;
using WechatKepu.Testing;

namespace WechatKepu.Server.Tests.Delivery;

/// <summary>
/// The backend is a real process with Hangfire running; it is killed mid-campaign and started again.
/// WeChat's record (the simulator's) must show every recipient received exactly one message.
/// </summary>
public sealed class CrashTests(Xunit.Abstractions.ITestOutputHelper output)
{
    internal const string AppId = "wxoacrashtest000001";
    internal const string Secret = "crash-secret";
    internal const string Template = "/cgi-bin/message/template/send";
    private const int Recipients = 3000;

    [Fact]
    public async Task Killing_the_backend_mid_campaign_loses_nothing_and_sends_nothing_twice()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("crash");
        await using var simulator = await SimulatorHost.StartAsync(new SimulatorOptions { RecordBodies = false });
        var wechat = simulator.Simulator;
        var openIds = AddFollowers(wechat, Recipients);

        // Slow answers keep the campaign in flight long enough to kill it halfway.
        wechat.Faults.SetDelay(TimeSpan.FromMilliseconds(60), Template);
        var environment = ServerProcess.DeliveryEnvironment(connectionString, simulator.BaseUrl, AppId, Secret);
        environment["Wechat__TimeoutSeconds"] = "3";
        environment["Delivery__SendingLease"] = "00:00:05";
        environment["Delivery__BatchSize"] = "100";
        environment["Delivery__ConcurrencyPerWorker"] = "16";

        var server = ServerProcess.Start(environment);
        long campaignId;
        try
        {
            await WaitAsync(() => ServerProcess.MigratedAsync(connectionString), "the server migrated the database");
            campaignId = await CreateCampaignAsync(connectionString, openIds);
            // Mid-batch (4 workers × 100 rows a batch): some sends are answered but not yet recorded when it dies.
            await WaitAsync(() => Task.FromResult(wechat.CountCalls(Template, 0) >= 1000), "a third of the campaign went out", poll: 10);
        }
        finally
        {
            await server.KillAsync();
        }

        var sentBeforeCrash = wechat.CountCalls(Template, 0);
        Assert.True(sentBeforeCrash < Recipients, $"the kill came too late: {sentBeforeCrash} sent");

        // A kill while Hangfire's scheduler holds its lock leaves the lock row behind, and recurring jobs
        // (the delivery tick) wait until it counts as abandoned (Jobs:LockTimeout). It happened in 1 of 17
        // kills of this test; here it happens every time, so the restart must get past it.
        await ServerProcess.ScalarAsync<int>(connectionString, """
            INSERT INTO hangfire.lock (resource, updatecount, acquired) VALUES ('hangfire:recurring-jobs:lock', 0, now() AT TIME ZONE 'utc')
            ON CONFLICT DO NOTHING RETURNING 1
            """);

        await using (var restarted = ServerProcess.Start(environment))
        {
            try
            {
                await WaitAsync(async () => await ServerProcess.ScalarAsync<string>(connectionString,
                    $"SELECT status FROM delivery_campaigns WHERE id = {campaignId}") == "completed", "the campaign completed after the restart");
            }
            catch (TimeoutException)
            {
                await ShowStateAsync(connectionString, restarted);
                throw;
            }
        }

        var received = Received(wechat);
        output.WriteLine($"sent before the kill: {sentBeforeCrash}; calls in all: {wechat.CountCalls(Template)}; " +
            $"answered twice with the same msgid (resends deduplicated by client_msg_id): {wechat.CountCalls(Template, 0) - Recipients}");
        Assert.Equal(Recipients, received.Count);
        Assert.All(openIds, o => Assert.Equal(1, received.GetValueOrDefault(o)));
        Assert.Equal(Recipients, await ServerProcess.ScalarAsync<int>(connectionString, $"SELECT count(*)::int FROM deliveries WHERE campaign_id = {campaignId} AND status = 'sent'"));
        await TestPostgres.DropDatabaseAsync(connectionString);
    }

    [Fact]
    public async Task Tokens_expiring_during_a_campaign_are_renewed_and_every_recipient_gets_one_message()
    {
        const int recipients = 2000;
        var connectionString = await TestPostgres.CreateDatabaseAsync("tokexp");
        // Tokens live two seconds here (WeChat: two hours): the campaign outlives several of them.
        await using var simulator = await SimulatorHost.StartAsync(new SimulatorOptions
        {
            RecordBodies = false, TokenLifetime = TimeSpan.FromSeconds(2), TokenRenewWindow = TimeSpan.FromMilliseconds(500),
        });
        var wechat = simulator.Simulator;
        var openIds = AddFollowers(wechat, recipients);
        wechat.Faults.SetDelay(TimeSpan.FromMilliseconds(40), Template);
        var environment = ServerProcess.DeliveryEnvironment(connectionString, simulator.BaseUrl, AppId, Secret);
        environment["Delivery__ConcurrencyPerWorker"] = "8";
        environment["Delivery__RetryBaseDelay"] = "00:00:01";

        long campaignId;
        await using (var server = ServerProcess.Start(environment))
        {
            await WaitAsync(() => ServerProcess.MigratedAsync(connectionString), "the server migrated the database");
            campaignId = await CreateCampaignAsync(connectionString, openIds);
            await WaitAsync(async () => await ServerProcess.ScalarAsync<string>(connectionString,
                $"SELECT status FROM delivery_campaigns WHERE id = {campaignId}") == "completed", "the campaign completed");
        }

        var received = Received(wechat);
        var expired = wechat.CountCalls(Template, 42001);
        output.WriteLine($"sends answered 42001 (token expired): {expired}; stable_token calls: {wechat.CountCalls("/cgi-bin/stable_token")}");
        Assert.True(expired > 0, "the campaign should have met an expired token");
        Assert.All(openIds, o => Assert.Equal(1, received.GetValueOrDefault(o)));
        Assert.Equal(recipients, await ServerProcess.ScalarAsync<int>(connectionString, $"SELECT count(*)::int FROM deliveries WHERE campaign_id = {campaignId} AND status = 'sent'"));
        await TestPostgres.DropDatabaseAsync(connectionString);
    }

    /// <summary>For a campaign that did not finish: where its rows and the jobs are, and what the server said.</summary>
    private async Task ShowStateAsync(string connectionString, ServerProcess server)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        foreach (var row in await conn.QueryAsync<(string Status, long Count, DateTime? Claimed)>(
            "SELECT status, count(*), max(claimed_at) FROM deliveries GROUP BY status"))
        {
            output.WriteLine($"deliveries {row.Status}: {row.Count} (last claimed {row.Claimed:O})");
        }

        foreach (var row in await conn.QueryAsync<(string Resource, DateTime Acquired)>("SELECT resource, acquired FROM hangfire.lock"))
        {
            output.WriteLine($"hangfire lock {row.Resource} since {row.Acquired:O}");
        }

        foreach (var row in await conn.QueryAsync<(string State, long Count)>("SELECT statename, count(*) FROM hangfire.job GROUP BY statename"))
        {
            output.WriteLine($"hangfire jobs {row.State}: {row.Count}");
        }

        output.WriteLine($"now {DateTime.UtcNow:O}; the restarted server said:\n{server.Output}");
    }

    internal static string[] AddFollowers(WechatSimulator wechat, int count)
    {
        wechat.AddAccount(AppId, Secret);
        var openIds = Enumerable.Range(0, count).Select(i => $"o-crash-{i:D5}").ToArray();
        foreach (var openId in openIds)
        {
            wechat.AddFollower(AppId, openId);
        }

        return openIds;
    }

    /// <summary>What each user received according to WeChat: distinct msgids of successful sends.</summary>
    internal static Dictionary<string, int> Received(WechatSimulator wechat) =>
        wechat.CallsTo(Template).Where(c => c.Errcode == 0)
            .GroupBy(c => c.OpenId!).ToDictionary(g => g.Key, g => g.Select(c => c.MsgId).Distinct().Count());

    internal static async Task<long> CreateCampaignAsync(string connectionString, string[] openIds)
    {
        DataSetup.Initialise();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var conn = await dataSource.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO followers (app_id, openid, subscribed, subscribed_at) SELECT @AppId, o, true, now() FROM unnest(@openIds) AS o
            """, new { AppId, openIds });
        await using var tx = await conn.BeginTransactionAsync();
        var created = await new DeliveryEngine(dataSource).CreateCampaignAsync(conn, tx,
            new CampaignSpec(CampaignKinds.Broadcast, "crash-test", "崩溃测试", DateTimeOffset.UtcNow,
                new CampaignContent(OaAppId: AppId, OaTemplateId: "tmpl-crash", OaData: new Dictionary<string, string> { ["first"] = "科普日" })),
            new DeliveryAudience.Followers(AppId), DateTimeOffset.UtcNow, CancellationToken.None);
        await tx.CommitAsync();
        return created!.CampaignId;
    }

    private static Task WaitAsync(Func<Task<bool>> condition, string what, int poll = 100) =>
        ServerProcess.WaitUntilAsync(condition, what, TimeSpan.FromMinutes(2), poll);
}
