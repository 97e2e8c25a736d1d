using WechatKepu.Data.Embedded;

namespace WechatKepu.Benchmarks.Scale;

/// <summary>
/// Issue 21: the costs of the product's requests and jobs against the size of its data (<see cref="DataSize"/>).
/// </summary>
public static class ScaleBenchmark
{
    /// <summary>The cluster every load test uses (durable, fsync on).</summary>
    public static Task<EmbeddedPostgres> StartClusterAsync() =>
        EmbeddedPostgres.StartAsync(Path.Combine(RepoRoot.Find(), ".data", "pg-bench"), "postgres");

    /// <summary><c>dataset SIZE</c>: generates (or keeps) the data set of a size and prints how long it took.</summary>
    public static async Task<int> GenerateAsync(string size)
    {
        await using var pg = await StartClusterAsync();
        var (database, seconds) = await DataSet.EnsureAsync(pg, DataSize.Parse(size), Console.Out);
        Console.WriteLine($"{database}: {(seconds == 0 ? "kept" : $"generated in {seconds:F0} s")}");
        return 0;
    }

    public static Task<int> RunAsync(string[] args) => Task.FromResult(0);
}
