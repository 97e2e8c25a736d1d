using System.Diagnostics;
using WechatKepu.Data.Embedded;

namespace WechatKepu.Testing;

/// <summary>
/// The backend as a real child process (<c>dotnet WechatKepu.Server.dll</c>), for tests that kill it
/// and benchmarks that measure its memory apart from the simulator's. Shared by the crash test and the
/// delivery load test.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private long _peakRssKb;

    private ServerProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The server built in the same configuration as the caller (Debug or Release).</summary>
    public static string DllPath()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release" : "Debug";
        var path = Path.Combine(RepoRoot.Find(), "src", "WechatKepu.Server", "bin", configuration, "net10.0", "WechatKepu.Server.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build the server first", path);
    }

    /// <summary>Starts the server with <paramref name="environment"/> (e.g. <c>ConnectionStrings__Kepu</c>); output is drained.</summary>
    public static ServerProcess Start(IReadOnlyDictionary<string, string> environment)
    {
        var dll = DllPath();
        var info = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the server");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServerProcess(process);
    }

    /// <summary>Resident memory now, in bytes (Linux: VmRSS), and the peak seen by <see cref="Sample"/>.</summary>
    public long RssBytes => ReadStatusKb("VmRSS:") * 1024;

    /// <summary>The process's own peak resident memory (Linux VmHWM), in bytes.</summary>
    public long PeakRssBytes => Math.Max(_peakRssKb, ReadStatusKb("VmHWM:")) * 1024;

    public void Sample() => _peakRssKb = Math.Max(_peakRssKb, ReadStatusKb("VmHWM:"));

    /// <summary>Kills the process (and anything it started) at once, as a crash or an OOM kill would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    private long ReadStatusKb(string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
