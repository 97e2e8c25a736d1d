using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using WechatKepu.Simulator;
using WechatKepu.Testing;

namespace WechatKepu.Server.Tests.Infrastructure;

/// <summary>
/// The real server (Program) over HTTP, on its own fresh database in the test cluster, with a
/// controllable clock. One per test class (IClassFixture), so classes never share rows.
/// </summary>
public class KepuApp : IAsyncLifetime
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public const string MpAppId = "wxmptest000000001";
    public const string MpSecret = "mp-test-secret";
    public const string ReminderTemplate = "tmpl-session-reminder";
    public const string PromotedTemplate = "tmpl-waitlist-promoted";
    public const string LongTermTemplate = "tmpl-long-term-notice";

    private WebApplicationFactory<Program>? _factory;

    // Hangfire logs through one process-wide provider, set to the ILoggerFactory of whichever host configured
    // it last. With many hosts in one test process that host may be disposed while the others still run, and
    // every Hangfire object created afterwards (a background job client, the static filter registry) throws
    // ObjectDisposedException. So the registry is initialised before any host exists, and after each host
    // has started Hangfire goes back to its own (silent) default provider. An object created in the window
    // while another host's provider is current still gets that host's loggers: the server's HostLogProvider
    // (Infrastructure/Jobs.cs) makes those silent once that host is gone instead of throwing.
    static KepuApp() => _ = Hangfire.GlobalJobFilters.Filters;
    private SimulatorHost? _simulator;

    /// <summary>The WeChat platform stand-in the server talks to.</summary>
    public WechatSimulator Wechat => (_simulator ?? throw new InvalidOperationException("not started")).Simulator;

    /// <summary>Starts at 2026-11-29 09:00 Asia/Shanghai unless a test moves it.</summary>
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 29, 1, 0, 0, TimeSpan.Zero));

    public string ConnectionString { get; private set; } = "";

    public WebApplicationFactory<Program> Factory => _factory ?? throw new InvalidOperationException("not started");

    public IServiceProvider Services => Factory.Services;

    protected virtual void Configure(IWebHostBuilder builder)
    {
    }

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("srv");
        _simulator = await SimulatorHost.StartAsync();
        _simulator.Simulator.AddAccount(MpAppId, MpSecret);
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Testing");
            b.UseSetting("ConnectionStrings:Kepu", ConnectionString);
            b.UseSetting("Wechat:ApiBaseUrl", _simulator.BaseUrl);
            // Tests run jobs by hand (or turn the server on in Configure) so outcomes never wait on a poll.
            b.UseSetting("Jobs:RunServer", "false");
            b.UseSetting("Jobs:RegisterRecurring", "false");
            // Every in-process request has the same (no) client address; Resilience/RateLimitTests turn it on.
            b.UseSetting("RateLimiting:Enabled", "false");
            b.UseSetting("Wechat:MiniProgram:AppId", MpAppId);
            b.UseSetting("Wechat:MiniProgram:AppSecret", MpSecret);
            b.UseSetting("Wechat:MiniProgram:Templates:0:Id", ReminderTemplate);
            b.UseSetting("Wechat:MiniProgram:Templates:0:Purpose", "session_reminder");
            b.UseSetting("Wechat:MiniProgram:Templates:0:Title", "活动开始提醒");
            b.UseSetting("Wechat:MiniProgram:Templates:1:Id", PromotedTemplate);
            b.UseSetting("Wechat:MiniProgram:Templates:1:Purpose", "waitlist_promoted");
            b.UseSetting("Wechat:MiniProgram:Templates:1:Title", "候补成功通知");
            b.UseSetting("Wechat:MiniProgram:Templates:2:Id", LongTermTemplate);
            b.UseSetting("Wechat:MiniProgram:Templates:2:Purpose", "session_cancelled");
            b.UseSetting("Wechat:MiniProgram:Templates:2:Title", "活动取消通知");
            b.UseSetting("Wechat:MiniProgram:Templates:2:LongTerm", "true");
            b.ConfigureServices(s =>
            {
                s.RemoveAll<TimeProvider>();
                s.AddSingleton<TimeProvider>(Clock);
            });
            Configure(b);
        });
        _ = _factory.Server; // start now: migrations and seed run here, not in the first test
        Hangfire.Logging.LogProvider.SetCurrentLogProvider(null);
    }

    public HttpClient CreateClient() => Factory.CreateClient();

    public async Task<T> GetJsonAsync<T>(string url)
    {
        using var client = CreateClient();
        var response = await client.GetAsync(url);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<T>(Json))!;
    }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        return conn;
    }

    public async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var conn = await OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        var value = await cmd.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T));
    }

    public async Task DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }

        await TestPostgres.DropDatabaseAsync(ConnectionString);
    }
}
