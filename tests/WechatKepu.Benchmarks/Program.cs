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
    /// Entry point. Load tests (each runs the server as its own process): <c>signups</c> (issue 5) and
    /// <c>delivery-load [count] [Setting=value…]</c> (issue 6); anything else goes to BenchmarkDotNet.
    /// </summary>
    public static async Task<int> Main(string[] args)
    {
        switch (args)
        {
            case ["signups", .. var signupArgs]:
                return await Load.SignupRace.RunAsync(signupArgs);
            case ["delivery-load", .. var deliveryArgs]:
                return await Delivery.DeliveryLoadTest.RunAsync(deliveryArgs);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
