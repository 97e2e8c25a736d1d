using System.Diagnostics;
using Dapper;
using Npgsql;
using WechatKepu.Benchmarks.Load;
using WechatKepu.Data.Embedded;

namespace WechatKepu.Testing;

/// <summary>
/// The backend as a real child process (<c>dotnet WechatKepu.Server.dll</c>, the build of the test's own
/// configuration), for tests that kill it mid-work and start it again. (The load tests use
/// <c>WechatKepu.Benchmarks.Load.ServerProcess</c>, which waits for health and reads memory.)
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ProcessOutput _output;

    private ServerProcess(Process process, ProcessOutput output)
    {
        _process = process;
        _output = output;
    }

    /// <summary>The last lines the server wrote (stdout and stderr), for a failing test to show.</summary>
    public string Output => _output.ToString();

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
        return await conn.ExecuteScalarAsync<T>(sql);
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

    /// <summary>
    /// Starts the server with <paramref name="environment"/> (e.g. <c>ConnectionStrings__Kepu</c>) and
    /// command-line <paramref name="args"/>; its last output lines are kept in <see cref="Output"/>.
    /// </summary>
    public static ServerProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var dll = DllPath();
        var info = new ProcessStartInfo("dotnet", [dll, .. args])
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
        return new ServerProcess(process, ProcessOutput.Attach(process));
    }

    /// <summary>Waits for the process to end by itself (a command, a failed start) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
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
}
