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
}
