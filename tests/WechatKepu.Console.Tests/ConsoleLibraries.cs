using System.Diagnostics;

namespace WechatKepu.Console.Tests;

/// <summary>
/// The console's charting library is installed by <c>npm ci</c> in <c>src/WechatKepu.Server/console-libs</c> (.ci/prereqs.sh
/// does it); a plain <c>dotnet test</c> on a fresh clone does it here, before the server starts and looks for it.
/// </summary>
public static class ConsoleLibraries
{
    private static readonly SemaphoreSlim Once = new(1, 1);

    public static async Task EnsureInstalledAsync()
    {
        var folder = Path.Combine(WechatKepu.Data.Embedded.RepoRoot.Find(), "src", "WechatKepu.Server", "console-libs");
        await Once.WaitAsync();
        try
        {
            if (File.Exists(Path.Combine(folder, "node_modules", "echarts", "dist", "echarts.esm.min.js")))
            {
                return;
            }

            using var npm = Process.Start(new ProcessStartInfo("npm", "ci --no-audit --no-fund --loglevel=error")
            {
                WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true,
            }) ?? throw new InvalidOperationException("npm could not be started: install Node.js and npm (see .ci/prereqs.sh)");
            var errors = npm.StandardError.ReadToEndAsync();
            await npm.StandardOutput.ReadToEndAsync();
            await npm.WaitForExitAsync();
            if (npm.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm ci in {folder} failed ({npm.ExitCode}): {await errors}");
            }
        }
        finally
        {
            Once.Release();
        }
    }
}
