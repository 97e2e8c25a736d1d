using WechatKepu.Simulator;

// The simulator on its own, for running the backend and the mini-program without WeChat:
//   dotnet run --project src/WechatKepu.Simulator --urls http://127.0.0.1:5107
// Accounts, followers and limits come from the "Simulator" configuration section.
var builder = WebApplication.CreateSlimBuilder(args);
var options = builder.Configuration.GetSection(SimulatorOptions.Section).Get<SimulatorOptions>() ?? new SimulatorOptions();
if (!options.LogRequests)
{
    builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
}

var simulator = new WechatSimulator(options);
var app = builder.Build();
app.MapWechatSimulator(simulator);
app.Logger.LogInformation("WeChat simulator with {Accounts} account(s)", options.Accounts.Count);
app.Run();
