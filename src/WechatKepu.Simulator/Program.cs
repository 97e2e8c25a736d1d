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

        var builder = WebApplication.CreateSlimBuilder(args);
        var options = builder.Configuration.GetSection(SimulatorOptions.Section).Get<SimulatorOptions>() ?? new SimulatorOptions();
        if (!options.LogRequests)
        {
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        }

        var simulator = new WechatSimulator(options);
        var app = builder.Build();
        app.MapGet("/", () => "WechatKepu WeChat simulator");
        app.MapWechatSimulator(simulator);
        app.Logger.LogInformation("WeChat simulator with {Accounts} account(s)", options.Accounts.Count);
        app.Run();
        return 0;
    }
}
