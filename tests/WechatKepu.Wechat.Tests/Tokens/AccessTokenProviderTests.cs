using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using WechatKepu.Data.Wechat;
using WechatKepu.Simulator;
using WechatKepu.Wechat.Api;
using WechatKepu.Wechat.Api.Models.Template;
using WechatKepu.Wechat.Tests.Simulator;
using WechatKepu.Wechat.Tokens;

namespace WechatKepu.Wechat.Tests.Tokens;

/// <summary>Two backend instances (each its own client, provider, cache and store) over one database, against the simulator.</summary>
public sealed class AccessTokenProviderTests : IAsyncLifetime
{
    private const string StableToken = "/cgi-bin/stable_token";
    private const string TemplateSend = "/cgi-bin/message/template/send";
    private static readonly Dictionary<string, TemplateValue> Data = new() { ["thing1"] = new("提醒") };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero));
    private readonly LogCapture _logs = new();
    private SimulatorHost _host = null!;
    private Npgsql.NpgsqlDataSource _db = null!;

    public async Task InitializeAsync()
    {
        _host = await SimulatorHost.StartAsync(new SimulatorOptions(), _time);
        _db = await TokenDatabase.CreateAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Two_instances_fetch_exactly_one_token_per_expiry_while_200_concurrent_calls_all_succeed()
    {
        var (a, b, sim) = TwoInstances();
        var first = new List<Task>();
        var second = new List<Task>();

        using (var hold = sim.Faults.HoldRequests(exceptPath: StableToken))
        {
            // First hundred: fetch the first token, then wait inside the simulator holding it.
            first.AddRange(Enumerable.Range(0, 100).Select(i => SendAsync(i % 2 == 0 ? a : b, i)));
            await WaitUntilAsync(() => sim.Faults.HeldCount == 100);

            // The token expires while they are in flight; the next hundred need the second one.
            _time.Advance(TimeSpan.FromSeconds(7200 + 1));
            second.AddRange(Enumerable.Range(100, 100).Select(i => SendAsync(i % 2 == 0 ? a : b, i)));
            await WaitUntilAsync(() => sim.Faults.HeldCount == 200);
        }

        await Task.WhenAll(first.Concat(second));

        Assert.Equal(2, sim.CountCalls(StableToken));
        Assert.Equal(200, sim.CountCalls(TemplateSend, errcode: 0));
        // The first hundred reached WeChat with the expired token and were retried once each.
        Assert.Equal(100, sim.CountCalls(TemplateSend, errcode: 42001));
        Assert.Equal(await a.Tokens.GetTokenAsync(default), await b.Tokens.GetTokenAsync(default));
        Assert.All(_logs.Lines, line => Assert.DoesNotContain("simtoken_", line));
    }

    [Fact]
    public async Task Near_expiry_one_instance_refreshes_while_the_other_keeps_using_the_current_token()
    {
        var (a, b, sim) = TwoInstances();
        await SendAsync(a, 0);
        await SendAsync(b, 1);
        var oldToken = sim.CurrentToken(a.AppId);
        _time.Advance(TimeSpan.FromSeconds(7200 - 120));

        // Another instance holds the refresh right: b must not wait for it, nor fetch.
        await using (var elsewhere = await new PostgresAccessTokenStore(_db).TryAcquireRefreshAsync(a.AppId, wait: false, default))
        {
            Assert.Equal(oldToken, await b.Tokens.GetTokenAsync(default));
            await SendAsync(b, 2);
        }

        _time.Advance(TimeSpan.FromSeconds(2));
        var refreshedByB = await b.Tokens.GetTokenAsync(default);
        var seenByA = await a.Tokens.GetTokenAsync(default);

        Assert.NotEqual(oldToken, refreshedByB);
        Assert.Equal(refreshedByB, seenByA);
        Assert.Equal(2, sim.CountCalls(StableToken));
        Assert.All(sim.CallsTo(TemplateSend), c => Assert.Equal(0, c.Errcode));
    }

    [Fact]
    public async Task Rejected_token_is_refreshed_once_and_the_call_retried_once()
    {
        var (a, b, sim) = TwoInstances();
        await SendAsync(a, 0);
        await SendAsync(b, 1);

        // Someone else forces a refresh: both instances hold a dead token.
        await TestAccount.NewClient(_host, a.AppId, "secret-of-test", new InMemoryAccessTokenStore()).GetStableTokenAsync(forceRefresh: true);
        await SendAsync(a, 2);
        await SendAsync(b, 3);

        Assert.Equal(2, sim.CountCalls(TemplateSend, errcode: 40001));
        Assert.Equal(4, sim.CountCalls(TemplateSend, errcode: 0));
        // One by the outsider, one by a (b found a's token in the store).
        Assert.Equal(3, sim.CountCalls(StableToken));
    }

    [Fact]
    public async Task Stable_token_that_keeps_returning_a_rejected_token_is_forced_within_the_rate_limit()
    {
        var (a, _, sim) = TwoInstances();
        await SendAsync(a, 0);

        sim.RejectCurrentToken(a.AppId);
        await SendAsync(a, 1);
        var forced = sim.CallsTo(StableToken).Last();

        _time.Advance(TimeSpan.FromSeconds(5));
        sim.RejectCurrentToken(a.AppId);
        var stuck = await Assert.ThrowsAsync<WechatApiException>(() => SendAsync(a, 2));
        var stuckAgain = await Assert.ThrowsAsync<WechatApiException>(() => SendAsync(a, 3));

        Assert.Contains("\"force_refresh\":true", forced.Body);
        Assert.Equal(WechatErrorKind.Token, stuck.Kind);
        Assert.Equal(WechatErrorKind.Token, stuckAgain.Kind);
        // initial, normal + forced, then one normal fetch that met the rate limit; none for the second failure.
        Assert.Equal(4, sim.CountCalls(StableToken));
    }

    private (WechatApiClient A, WechatApiClient B, WechatSimulator Sim) TwoInstances()
    {
        var account = TestAccount.Create(_host, new PostgresAccessTokenStore(_db), time: _time);
        var loggers = LoggerFactory.Create(builder => builder.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
        var a = new WechatApiClient(new Flurl.Http.FlurlClient(_host.BaseUrl), new WechatAccount(account.AppId, account.Secret),
            new PostgresAccessTokenStore(_db), _time, loggers);
        var b = new WechatApiClient(new Flurl.Http.FlurlClient(_host.BaseUrl), new WechatAccount(account.AppId, account.Secret),
            new PostgresAccessTokenStore(_db), _time, loggers);
        for (var i = 0; i < 200; i++)
        {
            account.Sim.AddFollower(account.AppId, $"o_{i}");
        }

        return (a, b, account.Sim);
    }

    private static Task SendAsync(WechatApiClient client, int follower) =>
        client.SendTemplateMessageAsync(new TemplateSendRequest($"o_{follower}", "tpl", Data));

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }

    private sealed class LogCapture : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(Lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception) + exception);
        }
    }
}
