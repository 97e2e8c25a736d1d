using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using WechatKepu.Data.Embedded;

namespace WechatKepu.Benchmarks.Load;

/// <summary>
/// The backend as its own process, as it runs in production: for load benchmarks (Release: the load
/// generator shares the machine but not the process, so its memory and GC are not the server's) and for
/// the multi-instance and fault tests (the configuration the tests were built in), which kill it.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ProcessOutput _output;

    private ServerProcess(Process process, string baseUrl, ProcessOutput output)
    {
        _process = process;
        BaseUrl = baseUrl;
        _output = output;
    }

    /// <summary>The last lines the server wrote to stdout and stderr, for a failing test's message.</summary>
    public string Output => _output.ToString();

    public bool HasExited => _process.HasExited;

    public string BaseUrl { get; }

    public int Pid => _process.Id;

    /// <summary>Socket continuations on the epoll threads: set by load generators for themselves only.</summary>
    public const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Starts the server built in the caller's configuration (Debug or Release) on a free port, or on
    /// <paramref name="url"/> (a restarted instance keeps its address), and waits for /healthz.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string> environment, string? url = null)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Debug" : "Release";
        var dll = Path.Combine(RepoRoot.Find(), "src", "WechatKepu.Server", "bin", configuration, "net10.0", "WechatKepu.Server.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: run `dotnet build -c {configuration} src/WechatKepu.Server` first");
        }

        url ??= $"http://127.0.0.1:{FreePort()}";
        var psi = new ProcessStartInfo("dotnet", [dll, "--urls", url])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Benchmark";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        psi.Environment["DOTNET_gcServer"] = "0";
        psi.Environment.Remove(InlineCompletions); // a load generator's setting, not the server's
        // Load generators and tests send everything from one address; the limits have their own tests.
        psi.Environment["RateLimiting__Enabled"] = "false";
        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }

        var process = Process.Start(psi)!;
        var output = ProcessOutput.Attach(process);

        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"server exited ({process.ExitCode}):\n{output}");
            }

            try
            {
                if ((await http.GetAsync(url + "/healthz")).IsSuccessStatusCode)
                {
                    return new ServerProcess(process, url, output);
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        process.Kill(entireProcessTree: true);
        throw new TimeoutException($"server did not become healthy:\n{output}");
    }

    /// <summary>Peak resident memory of the server process so far (VmHWM), in MB.</summary>
    public double PeakMemoryMb()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
            }
        }

        return double.NaN;
    }

    /// <summary>Kills the process at once, as a crash or an OOM kill would: no graceful shutdown.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

/// <summary>The last lines a child process wrote to stdout and stderr (it keeps the last 200).</summary>
public sealed class ProcessOutput
{
    private const int Kept = 200;
    private readonly Queue<string> _lines = new();

    /// <summary>Reads <paramref name="process"/>'s redirected stdout and stderr from now on.</summary>
    public static ProcessOutput Attach(Process process)
    {
        var output = new ProcessOutput();
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return output;
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > Kept)
            {
                _lines.Dequeue();
            }
        }
    }

    public override string ToString()
    {
        lock (_lines)
        {
            return string.Join('\n', _lines);
        }
    }
}

/// <summary>Latencies of one run, and the percentiles a benchmark reports.</summary>
public sealed class Latencies
{
    private readonly List<double> _ms = [];

    public void Add(TimeSpan t)
    {
        lock (_ms)
        {
            _ms.Add(t.TotalMilliseconds);
        }
    }

    public int Count => _ms.Count;

    public double Percentile(double p)
    {
        lock (_ms)
        {
            if (_ms.Count == 0)
            {
                return double.NaN;
            }

            var sorted = _ms.Order().ToArray();
            return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
        }
    }
}
