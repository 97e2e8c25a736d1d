namespace WechatKepu.Simulator;

// Not top-level statements: the backend's tests reference both this project and the server, and two
// global `Program` classes would collide.
public static class SimulatorProgram
{
    /// <summary>
    /// The simulator on its own, for running the backend and the mini-program without WeChat:
    /// <c>dotnet run --project src/WechatKepu.Simulator --urls http://127.0.0.1:5107</c>.
    /// Accounts, followers and limits come from the <c>Simulator</c> configuration section.
    /// </summary>
    public static int Main(string[] args)
    {
        // `send …`: the platform side from the command line (see PlatformCommand).
        if (args.FirstOrDefault() == "send")
        {
            return Platform.PlatformCommand.RunAsync(args[1..]).GetAwaiter().GetResult();
        }

        // `sim …`: drive a running simulator's hooks from the command line (see SimCommand).
        if (args.FirstOrDefault() == "sim")
        {
            return Platform.SimCommand.RunAsync(args[1..]).GetAwaiter().GetResult();
        }

        var builder = WebApplication.CreateSlimBuilder(args);
        var options = builder.Configuration.GetSection(SimulatorOptions.Section).Get<SimulatorOptions>() ?? new SimulatorOptions();
        if (!options.LogRequests)
        {
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        }

        var simulator = new WechatSimulator(options);
        var app = builder.Build();
        app.MapGet("/", () => "WechatKepu WeChat simulator");
        ChannelReceiptSink? queue = null;
        Platform.ReceiptDelivery? delivery = null;
        if (options.Backend is { Length: > 0 } backend)
        {
            var http = new HttpClient { BaseAddress = new Uri(backend) };
            var targets = options.Accounts.Where(a => !string.IsNullOrEmpty(a.PushToken)).ToDictionary(a => a.AppId, a =>
                new Platform.PushTarget(new Platform.WechatPlatform(http, new Platform.PlatformAccount(a.AppId, a.PushToken!, a.PushEncodingAESKey, a.OriginalId)),
                    string.IsNullOrEmpty(a.PushEncodingAESKey) ? Platform.CallbackMode.Plaintext : Platform.CallbackMode.Safe, a.PushJson));
            queue = new ChannelReceiptSink();
            simulator.Receipts = queue;
            delivery = new Platform.ReceiptDelivery(targets);
            if (options.AutoDeliverReceipts)
            {
                _ = delivery.RunAsync(queue.Reader, app.Lifetime.ApplicationStopping);
                queue = null; // the loop reads the queue; /_sim/receipts/deliver then says so
            }
        }

        app.MapWechatSimulator(simulator, queue, delivery);
        app.Logger.LogInformation("WeChat simulator with {Accounts} account(s)", options.Accounts.Count);
        app.Run();
        return 0;
    }
}
