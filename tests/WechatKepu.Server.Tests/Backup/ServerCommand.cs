using System.Diagnostics;
using Dapper;
using Npgsql;
using WechatKepu.Testing;

namespace WechatKepu.Server.Tests.Backup;

/// <summary>The server binary run as a one-off command (<c>--backup</c>, <c>--restore</c>, <c>--create-admin</c>), as an operator runs it.</summary>
public static class ServerCommand
{
    public sealed record Result(int Exit, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {Exit}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    /// <summary>
    /// Runs <c>dotnet WechatKepu.Server.dll args…</c> with <paramref name="environment"/>. Without a
    /// <c>ConnectionStrings__Kepu</c> there the command uses the embedded default (give <c>Database__EmbeddedDirectory</c>).
    /// </summary>
    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var dll = ServerProcess.DllPath();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Remove("ConnectionStrings__Kepu");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Jobs__RunServer"] = "false";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
    }

    /// <summary>The environment of a command against <paramref name="connectionString"/>.</summary>
    public static Dictionary<string, string> On(string connectionString) => new() { ["ConnectionStrings__Kepu"] = connectionString };

    /// <summary>
    /// What a database holds, table by table (row count and a digest of every row) and sequence by
    /// sequence (last value): two databases with the same fingerprint hold the same data.
    /// </summary>
    public static async Task<SortedDictionary<string, string>> FingerprintAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var tables = await conn.QueryAsync<string>("""
            SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
            """);
        foreach (var table in tables)
        {
            var (count, digest) = await conn.QuerySingleAsync<(long, string?)>(
                $"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {table} t");
            result[table] = $"{count} rows {digest}";
        }

        foreach (var (name, last) in await conn.QueryAsync<(string, long?)>(
                     "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences"))
        {
            result["sequence " + name] = last?.ToString() ?? "unused";
        }

        return result;
    }
}
