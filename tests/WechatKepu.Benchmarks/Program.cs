using BenchmarkDotNet.Running;

namespace WechatKepu.Benchmarks;

/// <summary>
/// Runs every benchmark class in this assembly; pick with --filter, e.g.
/// <c>dotnet run -c Release --project tests/WechatKepu.Benchmarks -- --filter '*CallbackPipeline*' --job short</c>.
/// </summary>
/// <remarks>
/// A namespaced class rather than top-level statements: the referenced Simulator exposes a global
/// <c>Program</c> (for WebApplicationFactory), and a second global one would clash with it.
/// </remarks>
public static class Program
{
    /// <summary>
    /// Entry point. <c>signups</c> runs the sign-up race load test (issue 5), <c>delivery-load [count]
    /// [Setting=value…]</c> the end-to-end delivery load test (issue 6); anything else goes to BenchmarkDotNet.
    /// </summary>
    public static async Task<int> Main(string[] args)
    {
        if (args.FirstOrDefault() == "signups")
        {
            return await Load.SignupRace.RunAsync(args[1..]);
        }

        if (args.FirstOrDefault() == "delivery-load")
        {
            return await Delivery.DeliveryLoadTest.RunAsync(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
