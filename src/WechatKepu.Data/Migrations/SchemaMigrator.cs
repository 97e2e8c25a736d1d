using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace WechatKepu.Data.Migrations;

/// <summary>One forward-only migration: an embedded <c>Migrations/NNNN_name.sql</c> file.</summary>
public sealed record Migration(int Version, string Name, string Sql);

/// <summary>
/// Applies the embedded SQL migrations in order, each in its own transaction, under a PostgreSQL
/// advisory lock so that instances starting together never race: the second waits, then finds
/// nothing left to do. Applied versions are recorded in <c>schema_migrations</c>.
/// </summary>
public sealed partial class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger)
{
    // Any fixed 64-bit key; only this migrator takes it.
    private const long LockKey = 0x4B45_5055_4D49_4752; // "KEPUMIGR"

    private const string CreateTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version     integer PRIMARY KEY,
            name        text NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now()
        )
        """;

    public static IReadOnlyList<Migration> Embedded { get; } = LoadEmbedded();

    /// <summary>Applies what is missing and returns the versions this call applied.</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_lock($1)", conn))
        {
            lockCmd.Parameters.AddWithValue(LockKey);
            await lockCmd.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await using (var create = new NpgsqlCommand(CreateTable, conn))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            var applied = await AppliedVersionsAsync(conn, cancellationToken);
            var done = new List<int>();
            foreach (var m in Embedded.Where(m => !applied.Contains(m.Version)))
            {
                logger.LogInformation("Applying migration {Version} {Name}", m.Version, m.Name);
                await using var tx = await conn.BeginTransactionAsync(cancellationToken);
                await using (var run = new NpgsqlCommand(m.Sql, conn, tx))
                {
                    await run.ExecuteNonQueryAsync(cancellationToken);
                }

                await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", conn, tx))
                {
                    record.Parameters.AddWithValue(m.Version);
                    record.Parameters.AddWithValue(m.Name);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await tx.CommitAsync(cancellationToken);
                done.Add(m.Version);
            }

            return done;
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", conn);
            unlock.Parameters.AddWithValue(LockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>Embedded versions not yet recorded in the database (empty when up to date).</summary>
    public async Task<IReadOnlyList<int>> PendingAsync(CancellationToken cancellationToken = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT to_regclass('schema_migrations') IS NOT NULL", conn);
        var applied = (bool)(await exists.ExecuteScalarAsync(cancellationToken))!
            ? await AppliedVersionsAsync(conn, cancellationToken)
            : [];
        return Embedded.Select(m => m.Version).Where(v => !applied.Contains(v)).ToList();
    }

    private static async Task<HashSet<int>> AppliedVersionsAsync(NpgsqlConnection conn, CancellationToken cancellationToken)
    {
        var set = new HashSet<int>();
        await using var cmd = new NpgsqlCommand("SELECT version FROM schema_migrations", conn);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            set.Add(reader.GetInt32(0));
        }

        return set;
    }

    private static List<Migration> LoadEmbedded()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var list = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = FileName().Match(resource);
            if (!match.Success)
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            list.Add(new Migration(int.Parse(match.Groups[1].Value), match.Groups[2].Value, reader.ReadToEnd()));
        }

        var duplicate = list.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two migrations share version {duplicate.Key}: {string.Join(", ", duplicate.Select(m => m.Name))}");
        }

        return list.OrderBy(m => m.Version).ToList();
    }

    [GeneratedRegex(@"^Migrations/(\d{4})_([A-Za-z0-9_]+)\.sql$")]
    private static partial Regex FileName();
}
