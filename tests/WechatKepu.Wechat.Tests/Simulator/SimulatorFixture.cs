using Flurl.Http;
using WechatKepu.Simulator;
using WechatKepu.Wechat.Api;
using WechatKepu.Wechat.Tokens;

namespace WechatKepu.Wechat.Tests.Simulator;

/// <summary>One in-process simulator per test class; each test makes its own account so tests never share state.</summary>
public sealed class SimulatorFixture : IAsyncLifetime
{
    private SimulatorHost? _host;

    public SimulatorHost Host => _host ?? throw new InvalidOperationException("Simulator not started.");

    public WechatSimulator Sim => Host.Simulator;

    public async Task InitializeAsync() => _host = await SimulatorHost.StartAsync();

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    /// <summary>A fresh simulated account and a client for it (token kept in memory).</summary>
    public TestAccount NewAccount(TimeSpan? timeout = null) => TestAccount.Create(Host, new InMemoryAccessTokenStore(), timeout);
}

public sealed record TestAccount(string AppId, string Secret, WechatApiClient Client, WechatSimulator Sim)
{
    /// <summary>Adds a new account to the simulator and makes a client for it.</summary>
    public static TestAccount Create(
        SimulatorHost host, IAccessTokenStore store, TimeSpan? timeout = null, TimeProvider? time = null,
        AccessTokenOptions? tokenOptions = null)
    {
        var appId = "wx" + Guid.NewGuid().ToString("N")[..16];
        const string secret = "secret-of-test";
        host.Simulator.AddAccount(appId, secret);
        return new TestAccount(appId, secret, NewClient(host, appId, secret, store, timeout, time, tokenOptions), host.Simulator);
    }

    /// <summary>Another client (another backend instance) for an existing account.</summary>
    public static WechatApiClient NewClient(
        SimulatorHost host, string appId, string secret, IAccessTokenStore store, TimeSpan? timeout = null,
        TimeProvider? time = null, AccessTokenOptions? tokenOptions = null)
    {
        var http = new FlurlClient(host.BaseUrl);
        http.Settings.Timeout = timeout ?? TimeSpan.FromSeconds(30);
        return new WechatApiClient(http, new WechatAccount(appId, secret), store, time, tokenOptions: tokenOptions);
    }
}
