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
    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        // `delivery-load [count] [Setting=value…]`: the end-to-end delivery load test (its own process, not BenchmarkDotNet).
        if (args is ["delivery-load", .. var rest])
        {
            return Delivery.DeliveryLoadTest.RunAsync(rest).GetAwaiter().GetResult();
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
