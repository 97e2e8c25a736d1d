using System.Globalization;

namespace WechatKepu.LoadTest;

/// <summary>
/// CPU time (user + system) of the three parties on the machine: the server process, PostgreSQL (its
/// postmaster and every child) and this load generator. Divided by the requests of a run it gives the
/// cost of one callback to each party, a steadier figure than the rate on a shared machine.
/// </summary>
public sealed class CpuMeter(int serverPid, string postgresDataDirectory)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public readonly record struct Sample(TimeSpan Server, TimeSpan Postgres, TimeSpan LoadGenerator);

    public Sample Read() => new(Cpu(serverPid), PostgresCpu(), Cpu(Environment.ProcessId));

    private TimeSpan PostgresCpu()
    {
        var pidFile = Path.Combine(postgresDataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).First(), out var postmaster))
        {
            return TimeSpan.Zero;
        }

        var total = Cpu(postmaster);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } stat && stat.ParentPid == postmaster)
            {
                total += stat.Cpu;
            }
        }

        return total;
    }

    private static TimeSpan Cpu(int pid) => Stat(pid)?.Cpu ?? TimeSpan.Zero;

    /// <summary>Fields of /proc/PID/stat after the command name: state (3), ppid (4), utime (14), stime (15).</summary>
    private static (int ParentPid, TimeSpan Cpu)? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (int.Parse(fields[1], CultureInfo.InvariantCulture), TimeSpan.FromSeconds(ticks / TicksPerSecond));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null; // the process ended meanwhile
        }
    }
}
