using Dapper;
using Npgsql;

namespace WechatKepu.Server.Tests.Backup;

/// <summary>What the backup tests give and compare around <see cref="WechatKepu.Testing.ServerProcess.RunAsync"/>: its environment and a database's fingerprint.</summary>
public static class ServerCommand
{
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
