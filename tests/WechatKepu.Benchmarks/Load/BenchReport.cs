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
    public static void Figure(string figure, string size, string value) => Console.WriteLine($"bench-figure\t{figure}\t{size}\t{value}");
}
