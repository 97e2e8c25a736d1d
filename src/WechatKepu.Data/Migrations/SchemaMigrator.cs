using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace WechatKepu.Data.Migrations;

/// <summary>One forward-only migration: an embedded <c>Migrations/NNNN_name.sql</c> file.</summary>
public sealed record Migration(int Version, string Name, string Sql)
{
    public string Checksum { get; } = SchemaMigrator.ChecksumOf(Sql);
}

/// <summary>
/// One repeatable migration: an embedded <c>Migrations/Routines/name.sql</c> file holding the current
/// definition of a function or view (<c>CREATE OR REPLACE</c>), applied again whenever its text changes.
/// </summary>
public sealed record Routine(string Name, string Sql)
{
    public string Checksum { get; } = SchemaMigrator.ChecksumOf(Sql);
}

/// <summary>
/// Applies the embedded SQL migrations in order, each in its own transaction, under a PostgreSQL
/// advisory lock so that instances starting together never race: the second waits, then finds
/// nothing left to do. Applied versions are recorded in <c>schema_migrations</c> with the checksum of
/// their file; a recorded migration whose file has since changed stops the migrator (edits go into a new
/// migration). After the numbered migrations come the routines (<c>Migrations/Routines/*.sql</c>, by name),
/// each re-applied when its checksum differs from the one recorded in <c>schema_routines</c>.
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
        );
        ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text;
        CREATE TABLE IF NOT EXISTS schema_routines (
            name        text PRIMARY KEY,
            checksum    text NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now()
        )
        """;

    public static IReadOnlyList<Migration> Embedded { get; } = LoadEmbedded();

    public static IReadOnlyList<Routine> Routines { get; } = LoadRoutines();

    /// <summary>SHA-256 of the file's text, line endings normalised (a checkout with CRLF is not an edit).</summary>
    public static string ChecksumOf(string sql) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));

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

            // Rows recorded before checksums were kept take the checksum of today's file.
            await using (var fill = new NpgsqlCommand("""
                UPDATE schema_migrations m SET checksum = e.checksum
                FROM unnest($1::int[], $2::text[]) AS e (version, checksum)
                WHERE m.version = e.version AND m.checksum IS NULL
                """, conn))
            {
                fill.Parameters.AddWithValue(Embedded.Select(m => m.Version).ToArray());
                fill.Parameters.AddWithValue(Embedded.Select(m => m.Checksum).ToArray());
                await fill.ExecuteNonQueryAsync(cancellationToken);
            }

            await CheckAppliedUneditedAsync(conn, cancellationToken);
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

                await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", conn, tx))
                {
                    record.Parameters.AddWithValue(m.Version);
                    record.Parameters.AddWithValue(m.Name);
                    record.Parameters.AddWithValue(m.Checksum);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await tx.CommitAsync(cancellationToken);
                done.Add(m.Version);
            }

            await ApplyRoutinesAsync(conn, cancellationToken);
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

    /// <summary>
    /// Throws when a migration recorded as applied no longer matches its embedded file. Read-only; without
    /// recorded checksums (a database no migrator of this build has touched yet) there is nothing to compare.
    /// </summary>
    public async Task CheckAppliedUneditedAsync(CancellationToken cancellationToken = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("""
            SELECT EXISTS (SELECT 1 FROM information_schema.columns
                           WHERE table_schema = current_schema() AND table_name = 'schema_migrations' AND column_name = 'checksum')
            """, conn);
        if ((bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
        {
            await CheckAppliedUneditedAsync(conn, cancellationToken);
        }
    }

    private static async Task CheckAppliedUneditedAsync(NpgsqlConnection conn, CancellationToken cancellationToken)
    {
        var edited = new List<Migration>();
        await using (var cmd = new NpgsqlCommand("SELECT version, checksum FROM schema_migrations WHERE checksum IS NOT NULL", conn))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var version = reader.GetInt32(0);
                if (Embedded.FirstOrDefault(m => m.Version == version) is { } m && m.Checksum != reader.GetString(1))
                {
                    edited.Add(m);
                }
            }
        }

        if (edited.Count > 0)
        {
            throw new InvalidOperationException(
                $"applied migration {string.Join(", ", edited.Select(m => $"{m.Version:D4}_{m.Name}.sql"))} was edited after it ran on this database; " +
                "put it back as it was and make the change in a new migration (or, for a function or view, in Migrations/Routines)");
        }
    }

    /// <summary>
    /// Routines whose recorded text is not this build's (never applied, or applied from another version of
    /// the file). Not part of <see cref="PendingAsync"/>: during a rolling upgrade the instances still running
    /// the older build would see the newer routine as different and go unready.
    /// </summary>
    public async Task<IReadOnlyList<string>> DifferingRoutinesAsync(CancellationToken cancellationToken = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT to_regclass('schema_routines') IS NOT NULL", conn);
        var differing = (bool)(await exists.ExecuteScalarAsync(cancellationToken))!
            ? await DifferingRoutinesAsync(conn, cancellationToken)
            : Routines;
        return differing.Select(r => r.Name).ToList();
    }

    private static async Task<List<Routine>> DifferingRoutinesAsync(NpgsqlConnection conn, CancellationToken cancellationToken)
    {
        var recorded = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand("SELECT name, checksum FROM schema_routines", conn))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                recorded[reader.GetString(0)] = reader.GetString(1);
            }
        }

        return Routines.Where(r => !recorded.TryGetValue(r.Name, out var checksum) || checksum != r.Checksum).ToList();
    }

    private async Task ApplyRoutinesAsync(NpgsqlConnection conn, CancellationToken cancellationToken)
    {
        foreach (var r in await DifferingRoutinesAsync(conn, cancellationToken))
        {
            logger.LogInformation("Applying routine {Name}", r.Name);
            await using var tx = await conn.BeginTransactionAsync(cancellationToken);
            await using (var run = new NpgsqlCommand(r.Sql, conn, tx))
            {
                await run.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var record = new NpgsqlCommand("""
                INSERT INTO schema_routines (name, checksum) VALUES ($1, $2)
                ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, applied_at = now()
                """, conn, tx))
            {
                record.Parameters.AddWithValue(r.Name);
                record.Parameters.AddWithValue(r.Checksum);
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await tx.CommitAsync(cancellationToken);
        }
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

    private static IEnumerable<(Match Match, string Sql)> ReadResources(Regex fileName)
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Order(StringComparer.Ordinal))
        {
            var match = fileName.Match(resource);
            if (match.Success)
            {
                using var stream = assembly.GetManifestResourceStream(resource)!;
                using var reader = new StreamReader(stream);
                yield return (match, reader.ReadToEnd());
            }
        }
    }

    private static List<Routine> LoadRoutines() =>
        ReadResources(RoutineFileName()).Select(r => new Routine(r.Match.Groups[1].Value, r.Sql)).ToList();

    private static List<Migration> LoadEmbedded()
    {
        var list = ReadResources(FileName())
            .Select(r => new Migration(int.Parse(r.Match.Groups[1].Value), r.Match.Groups[2].Value, r.Sql)).ToList();

        var duplicate = list.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two migrations share version {duplicate.Key}: {string.Join(", ", duplicate.Select(m => m.Name))}");
        }

        return list.OrderBy(m => m.Version).ToList();
    }

    [GeneratedRegex(@"^Migrations/(\d{4})_([A-Za-z0-9_]+)\.sql$")]
    private static partial Regex FileName();

    [GeneratedRegex(@"^Migrations/Routines/([A-Za-z0-9_]+)\.sql$")]
    private static partial Regex RoutineFileName();
}
