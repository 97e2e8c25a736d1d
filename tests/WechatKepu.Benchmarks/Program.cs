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
    /// The load tests (each starts the backend as its own process and prints a <see cref="Load.BenchReport"/>
    /// section); <c>.ci/bench</c> runs every one listed here. Add a mode with one line.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, Func<string[], Task<int>>> LoadTests = new Dictionary<string, Func<string[], Task<int>>>
    {
        ["signups"] = Load.SignupRace.RunAsync,
        ["delivery-load"] = Delivery.DeliveryLoadTest.RunAsync,
        ["scale"] = Scale.ScaleBenchmark.RunAsync,
        ["peer-compare"] = Load.PeerCompare.RunAsync,
    };

    /// <summary>
    /// Entry point. A load test's name runs it (<c>signups</c>: issue 5's sign-up race); <c>--list-load</c>
    /// prints their names; anything else goes to BenchmarkDotNet.
    /// </summary>
    public static async Task<int> Main(string[] args)
    {
        if (args is ["--list-load"])
        {
            Console.WriteLine(string.Join('\n', LoadTests.Keys));
            return 0;
        }

        if (args is ["dataset", var size])
        {
            return await Scale.ScaleBenchmark.GenerateAsync(size);
        }

        if (args.Length > 0 && LoadTests.TryGetValue(args[0], out var run))
        {
            return await run(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
