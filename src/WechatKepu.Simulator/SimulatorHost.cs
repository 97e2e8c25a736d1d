using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace WechatKepu.Simulator;

/// <summary>The simulator in-process: Kestrel on a free port, for tests and benchmarks.</summary>
public sealed class SimulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SimulatorHost(WebApplication app, WechatSimulator simulator, string baseUrl)
    {
        _app = app;
        Simulator = simulator;
        BaseUrl = baseUrl;
    }

    /// <summary>e.g. <c>http://127.0.0.1:41234</c>: give it to the API client as its base URL.</summary>
    public string BaseUrl { get; }

    public WechatSimulator Simulator { get; }

    /// <summary>Starts a simulator on <see cref="SimulatorOptions.Urls"/> (a free 127.0.0.1 port by default).</summary>
    public static async Task<SimulatorHost> StartAsync(
        SimulatorOptions? options = null, TimeProvider? timeProvider = null, IReceiptSink? receipts = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new SimulatorOptions();
        var simulator = new WechatSimulator(options, timeProvider, receipts);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Urls);
        if (!options.LogRequests)
        {
            builder.Logging.ClearProviders();
        }

        var app = builder.Build();
        app.MapWechatSimulator(simulator);
        await app.StartAsync(cancellationToken);
        return new SimulatorHost(app, simulator, app.Urls.First().TrimEnd('/'));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
