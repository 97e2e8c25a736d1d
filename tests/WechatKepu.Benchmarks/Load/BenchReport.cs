namespace WechatKepu.Benchmarks.Load;

/// <summary>
/// How a load test hands its figures to <c>.ci/bench</c>: one markdown section on stdout between
/// markers, which the script copies into docs/benchmarks.md as it is.
/// </summary>
public static class BenchReport
{
    public static void Section(string id, string title, string command, IEnumerable<string> markdownLines)
    {
        Console.WriteLine($"<!-- bench:begin {id} -->");
        Console.WriteLine($"### {title}");
        Console.WriteLine();
        Console.WriteLine("```");
        Console.WriteLine(command);
        Console.WriteLine("```");
        Console.WriteLine();
        foreach (var line in markdownLines)
        {
            Console.WriteLine(line);
        }

        Console.WriteLine($"<!-- bench:end {id} -->");
    }

    /// <summary>
    /// One figure of one data size (issue 21): <c>.ci/bench</c> gathers these lines from every load test into one
    /// table of figures against size. The callback load test (its own program) prints the same line.
    /// </summary>
    /// <param name="growth">The number whose growth from the first size to the last the table shows (a p99, a rate), named by <paramref name="growthOf"/>.</param>
    public static void Figure(string figure, string size, string value, double? growth = null, string growthOf = "") =>
        Console.WriteLine(FormattableString.Invariant($"bench-figure\t{figure}\t{size}\t{value}\t{growth}\t{growthOf}"));

    /// <summary>The cell of a request's figures: rate, latency, CPU a request (server / PostgreSQL) and the server's RSS.</summary>
    public static string Cell(double perSecond, double p50, double p99, double serverMicros, double postgresMicros, double rssMb) =>
        FormattableString.Invariant($"{perSecond:F0}/s, p50 {p50:F1} ms, **p99 {p99:F1} ms**, CPU {serverMicros:F0} / {postgresMicros:F0} µs, {rssMb:F0} MB");
}
