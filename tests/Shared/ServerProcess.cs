using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using WechatKepu.Data.Embedded;

namespace WechatKepu.Testing;

/// <summary>
/// The backend as its own process (<c>dotnet WechatKepu.Server.dll</c>, built in the caller's configuration), as
/// it runs in production: for tests that kill it mid-work and start it again, run several instances, or run it as
/// a one-off command, and for the load benchmarks (the load generator shares the machine but not the process).
/// Every start has the same defaults (<see cref="StartInfo"/>); the caller's environment overrides them.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    /// <summary>Socket continuations on the epoll threads: set by load generators for themselves only.</summary>
    public const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    private readonly Process _process;
    private readonly ProcessOutput _output;

    private readonly string? _baseUrl;

    private ServerProcess(Process process, ProcessOutput output, string? baseUrl)
    {
        _process = process;
        _output = output;
        _baseUrl = baseUrl;
    }

    /// <summary>The last lines the server wrote (stdout and stderr), for a failing test to show.</summary>
    public string Output => _output.ToString();

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Where it listens; known when started with <see cref="StartAsync"/> (<see cref="Start"/> lets it pick a port).</summary>
    public string BaseUrl => _baseUrl ?? throw new InvalidOperationException("started with Start(): its address is the one it picked");

    /// <summary>The server built in the same configuration as the caller (Debug or Release).</summary>
    public static string DllPath()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release" : "Debug";
        var path = Path.Combine(RepoRoot.Find(), "src", "WechatKepu.Server", "bin", configuration, "net10.0", "WechatKepu.Server.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the server first: dotnet build -c {configuration} src/WechatKepu.Server", path);
    }

    /// <summary>
    /// <c>dotnet WechatKepu.Server.dll args…</c> with the defaults of every start: the Testing environment, warnings
    /// only, workstation GC, no rate limits (load generators and tests send everything from one address; the limits
    /// have their own tests), neither the caller's connection string nor its socket setting; then
    /// <paramref name="environment"/> on top.
    /// </summary>
    public static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string> environment, IEnumerable<string> args)
    {
        var dll = DllPath();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("ConnectionStrings__Kepu");
        info.Environment.Remove(InlineCompletions);
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["RateLimiting__Enabled"] = "false";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return info;
    }

    /// <summary>
    /// Starts the server on a port of its own choosing and returns at once (a test waits for what it needs, or for
    /// the process to exit); its last output lines are kept in <see cref="Output"/>.
    /// </summary>
    public static ServerProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = StartInfo(new Dictionary<string, string>(environment)
        {
            ["ASPNETCORE_URLS"] = environment.GetValueOrDefault("ASPNETCORE_URLS", "http://127.0.0.1:0"),
        }, args);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the server");
        return new ServerProcess(process, ProcessOutput.Attach(process), null);
    }

    /// <summary>
    /// Starts the server on a free port, or on <paramref name="url"/> (a restarted instance keeps its address), and
    /// waits until /healthz answers 200 (migrated and seeded).
    /// </summary>
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string> environment, string? url = null)
    {
        url ??= $"http://127.0.0.1:{FreePort()}";
        var process = Process.Start(StartInfo(environment, ["--urls", url])) ?? throw new InvalidOperationException("could not start the server");
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
                    return new ServerProcess(process, output, url);
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

    public sealed record CommandResult(int Exit, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {Exit}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    /// <summary>
    /// Runs the server as a one-off command (<c>--backup</c>, <c>--restore</c>, <c>--create-admin</c>), as an
    /// operator does: no input, no job server, all of its output. Without a <c>ConnectionStrings__Kepu</c> in
    /// <paramref name="environment"/> the command uses the embedded default (give <c>Database__EmbeddedDirectory</c>).
    /// </summary>
    public static async Task<CommandResult> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = StartInfo(new Dictionary<string, string>(environment) { ["Jobs__RunServer"] = environment.GetValueOrDefault("Jobs__RunServer", "false") }, args);
        info.RedirectStandardInput = true;
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the server");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new CommandResult(process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
    }

    /// <summary>
    /// Settings for a backend on <paramref name="connectionString"/> talking to the simulator at
    /// <paramref name="simulatorUrl"/> with one official account, Hangfire on, the delivery tick every
    /// second and no quiet hours.
    /// </summary>
    public static Dictionary<string, string> DeliveryEnvironment(string connectionString, string simulatorUrl, string appId, string secret) => new()
    {
        ["ConnectionStrings__Kepu"] = connectionString,
        ["Wechat__ApiBaseUrl"] = simulatorUrl,
        ["Wechat__OfficialAccounts__0__AppId"] = appId,
        ["Wechat__OfficialAccounts__0__AppSecret"] = secret,
        ["Wechat__OfficialAccounts__0__Token"] = "token",
        ["Jobs__RunServer"] = "true",
        ["Jobs__PollInterval"] = "00:00:00.200",
        ["Delivery__TickCron"] = "* * * * * *",
        ["Delivery__QuietHoursStart"] = "00:00",
        ["Delivery__QuietHoursEnd"] = "00:00",
    };

    public static async Task<T?> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var command = new NpgsqlCommand(sql, conn);
        return await command.ExecuteScalarAsync() switch
        {
            null or DBNull => default,
            T value => value,
            var other => (T)Convert.ChangeType(other, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Polls <paramref name="condition"/> every <paramref name="poll"/> ms; TimeoutException naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout, int poll = 100)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out waiting until {what}");
            }

            await Task.Delay(poll);
        }
    }

    /// <summary>Whether the server has migrated the database up to the delivery tables.</summary>
    public static async Task<bool> MigratedAsync(string connectionString) =>
        await ScalarAsync<bool>(connectionString, "SELECT to_regclass('public.deliveries') IS NOT NULL");

    /// <summary>Waits for the process to end by itself (a command, a failed start) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
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

    /// <summary>Kills the process (and anything it started) at once, as a crash or an OOM kill would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
