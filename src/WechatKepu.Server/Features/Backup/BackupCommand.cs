using System.Diagnostics;
using Npgsql;
using WechatKepu.Data.Embedded;
using WechatKepu.Data.Migrations;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Backup;

/// <summary>
/// <c>--backup &lt;file&gt;</c> and <c>--restore &lt;file&gt; [--force]</c>: the whole database (our tables and
/// Hangfire's) through the machine's own <c>pg_dump</c>/<c>pg_restore</c>, against the configured
/// <c>ConnectionStrings:Kepu</c> or the embedded default. The steps around them are the restore runbook
/// in docs/operations.md. Every failure is one line on stderr and an exit code (<see cref="Exit"/>).
/// </summary>
public static class BackupCommand
{
    public const string BackupSwitch = "--backup";
    public const string RestoreSwitch = "--restore";
    public const string ForceSwitch = "--force";

    /// <summary>Exit codes of both commands.</summary>
    public static class Exit
    {
        public const int Ok = 0;

        /// <summary>pg_dump/pg_restore failed, were not found, or the database could not be reached.</summary>
        public const int Failed = 1;

        /// <summary>Bad arguments, or a file that is missing or not a backup.</summary>
        public const int Usage = 2;

        /// <summary>Restore refused: the database already has tables (without --force) or other clients are connected.</summary>
        public const int Refused = 3;
    }

    /// <summary>First bytes of a pg_dump custom-format archive.</summary>
    private static readonly byte[] ArchiveMagic = "PGDMP"u8.ToArray();

    /// <summary>Null when neither switch is present; otherwise the process exit code.</summary>
    public static async Task<int?> RunAsync(WebApplication app, string[] args)
    {
        var backupAt = Array.IndexOf(args, BackupSwitch);
        var restoreAt = Array.IndexOf(args, RestoreSwitch);
        if (backupAt < 0 && restoreAt < 0)
        {
            return null;
        }

        Target? target = null;
        try
        {
            if (backupAt >= 0 && restoreAt >= 0)
            {
                throw new CommandFailed(Exit.Usage, $"Give either {BackupSwitch} or {RestoreSwitch}, not both.");
            }

            var at = Math.Max(backupAt, restoreAt);
            var file = at + 1 < args.Length && !args[at + 1].StartsWith("--", StringComparison.Ordinal) ? args[at + 1] : null;
            if (string.IsNullOrWhiteSpace(file))
            {
                throw new CommandFailed(Exit.Usage, $"Usage: {BackupSwitch} <file> | {RestoreSwitch} <file> [{ForceSwitch}]");
            }

            target = new Target(app.Configuration.GetConnectionString(DatabaseSetup.ConnectionStringName)
                ?? throw new CommandFailed(Exit.Failed, "No database: ConnectionStrings__Kepu is not set and no embedded cluster was started."));
            var message = backupAt >= 0
                ? await BackupAsync(target, Path.GetFullPath(file))
                : await RestoreAsync(app, target, Path.GetFullPath(file), args.Contains(ForceSwitch));
            System.Console.WriteLine(message);
            return Exit.Ok;
        }
        catch (CommandFailed e)
        {
            System.Console.Error.WriteLine(e.Message);
            return e.ExitCode;
        }
        catch (NpgsqlException e)
        {
            System.Console.Error.WriteLine($"Cannot use the {target}: {OneLine(e.Message)}");
            return Exit.Failed;
        }
        finally
        {
            // The host never runs for a command: stop the embedded cluster if this process started it.
            if (app.Services.GetService<EmbeddedPostgres>() is { StartedHere: true } embedded)
            {
                await embedded.DisposeAsync();
            }
        }
    }

    private static async Task<string> BackupAsync(Target target, string file)
    {
        var dir = Path.GetDirectoryName(file)!;
        if (!Directory.Exists(dir))
        {
            throw new CommandFailed(Exit.Usage, $"Backup failed: the folder {dir} does not exist.");
        }

        var tools = FindTools();
        var schema = await target.SchemaVersionAsync();
        // Written beside the target and moved over it only once complete and readable: an interrupted
        // backup never replaces the last good one. Owner-only: it holds children's data and the server keys.
        var partial = file + ".partial";
        try
        {
            File.Delete(partial);
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (new FileStream(partial, create))
            {
            }

            await RunToolAsync(tools, "pg_dump", target, ["--format=custom", "--lock-wait-timeout=60000", $"--file={partial}", target.Database], "Backup failed");
            var tables = (await RunToolAsync(tools, "pg_restore", target, ["--list", partial], "Backup failed: the written file does not read back"))
                .Split('\n').Count(l => l.Contains(" TABLE DATA ", StringComparison.Ordinal));
            File.Move(partial, file, overwrite: true);
            return $"Backed up {target} to {file} ({new FileInfo(file).Length / 1024.0:0.#} KiB, {tables} tables, schema at migration {schema}).";
        }
        catch (IOException e)
        {
            throw new CommandFailed(Exit.Failed, $"Backup failed: {OneLine(e.Message)}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CommandFailed(Exit.Failed, $"Backup failed: {OneLine(e.Message)}");
        }
        finally
        {
            File.Delete(partial);
        }
    }

    private static async Task<string> RestoreAsync(WebApplication app, Target target, string file, bool force)
    {
        if (!IsArchive(file))
        {
            throw new CommandFailed(Exit.Usage, File.Exists(file)
                ? $"Restore refused: {file} is not a backup made by {BackupSwitch} (pg_dump --format=custom)."
                : $"Restore refused: {file} does not exist.");
        }

        var tools = FindTools();
        await using (var conn = await target.OpenAsync())
        {
            var others = await Scalar<string>(conn, """
                SELECT count(*) || ' (' || string_agg(DISTINCT coalesce(nullif(application_name, ''), host(client_addr), 'local'), ', ') || ')'
                FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                HAVING count(*) > 0
                """);
            if (others is not null)
            {
                throw new CommandFailed(Exit.Refused,
                    $"Restore refused: {others} other connections to {target}; stop every server instance first.");
            }

            var tables = await Scalar<string>(conn, $"""
                SELECT count(*) || ' tables (' || string_agg(name, ', ' ORDER BY name) FILTER (WHERE n <= 3) || CASE WHEN count(*) > 3 THEN ', …' ELSE '' END || ')'
                FROM (SELECT n.nspname || '.' || c.relname AS name, row_number() OVER (ORDER BY n.nspname, c.relname) AS n
                      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE c.relkind IN ('r', 'p') AND {UserSchemas}) t
                HAVING count(*) > 0
                """);
            if (tables is not null && !force)
            {
                throw new CommandFailed(Exit.Refused,
                    $"Restore refused: {target} already has {tables}. Restore into an empty database, or add {ForceSwitch} to drop everything in it first.");
            }

            if (force)
            {
                await WipeAsync(conn);
            }
        }

        // One transaction: a restore that fails half-way leaves the database as it was (empty).
        await RunToolAsync(tools, "pg_restore", target,
            ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", $"--dbname={target.Database}", file], "Restore failed");
        var pending = await app.Services.GetRequiredService<SchemaMigrator>().PendingAsync();
        string inFlight;
        long unknown;
        await using (var conn = await target.OpenAsync())
        {
            unknown = await Scalar<long>(conn, $"""
                SELECT CASE WHEN to_regclass('public.schema_migrations') IS NULL THEN 0
                            ELSE (SELECT count(*) FROM schema_migrations WHERE version > {SchemaMigrator.Embedded.Max(m => m.Version)}) END
                """);
            inFlight = await Scalar<string>(conn, """
                SELECT concat_ws(', ',
                    CASE WHEN to_regclass('public.deliveries') IS NOT NULL THEN
                        (SELECT nullif(count(*), 0) || ' deliveries pending or sending' FROM deliveries WHERE status IN ('pending', 'sending')) END,
                    CASE WHEN to_regclass('public.broadcasts') IS NOT NULL THEN
                        (SELECT nullif(count(*), 0) || ' broadcasts scheduled or sending' FROM broadcasts WHERE status IN ('scheduled', 'awaiting_confirmation', 'sending')) END)
                """) ?? "";
        }

        return $"Restored {file} into {target} (schema at migration {await target.SchemaVersionAsync()}"
            + (pending.Count == 0 ? ", up to date" : $"; {pending.Count} migrations pending: run --migrate") + ")."
            + (unknown == 0 ? "" : $" Warning: the backup has {unknown} migrations this binary does not know: serve it with the version that made it.")
            + (inFlight.Length == 0 ? "" : $" In flight in the backup: {inFlight}; the first server with jobs on sends them (see Restore in docs/operations.md).");
    }

    /// <summary>Schemas that hold the application's objects: everything but PostgreSQL's own.</summary>
    private const string UserSchemas = """
        n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
        """;

    /// <summary>--force: drops every application schema (ours, Hangfire's) and recreates an empty public.</summary>
    private static async Task WipeAsync(NpgsqlConnection conn)
    {
        await using var tx = await conn.BeginTransactionAsync();
        var schemas = new List<string>();
        await using (var list = new NpgsqlCommand($"SELECT n.nspname FROM pg_namespace n WHERE {UserSchemas} AND n.nspname NOT LIKE 'pg\\_%'", conn, tx))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                schemas.Add(reader.GetString(0));
            }
        }

        foreach (var schema in schemas)
        {
            await using var drop = new NpgsqlCommand($"DROP SCHEMA \"{schema.Replace("\"", "\"\"")}\" CASCADE", conn, tx);
            await drop.ExecuteNonQueryAsync();
        }

        await using (var create = new NpgsqlCommand("CREATE SCHEMA IF NOT EXISTS public", conn, tx))
        {
            await create.ExecuteNonQueryAsync();
        }

        await tx.CommitAsync();
    }

    private static bool IsArchive(string file)
    {
        try
        {
            using var stream = File.OpenRead(file);
            Span<byte> head = stackalloc byte[ArchiveMagic.Length];
            return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head.SequenceEqual(ArchiveMagic);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string FindTools() =>
        EmbeddedPostgres.FindTools(null, "pg_dump", "pg_restore") ?? throw new CommandFailed(Exit.Failed,
            "pg_dump and pg_restore were not found. Install them with: apt-get install -y postgresql-client (or set KEPU_PG_BIN to their folder).");

    /// <summary>Runs a PostgreSQL client tool against <paramref name="target"/>; its stdout, or its first error as one line.</summary>
    private static async Task<string> RunToolAsync(string binDir, string tool, Target target, string[] args, string failure)
    {
        var start = new ProcessStartInfo(Path.Combine(binDir, tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        // The connection goes in libpq's environment variables: a password never appears in the process list.
        foreach (var (name, value) in target.LibpqEnvironment())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new CommandFailed(Exit.Failed, $"{failure}: could not start {tool}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var reason = lines.FirstOrDefault(l => l.Contains("error:", StringComparison.Ordinal)) ?? lines.LastOrDefault() ?? $"exit code {process.ExitCode}";
            throw new CommandFailed(Exit.Failed, $"{failure}: {reason}");
        }

        return await stdout;
    }

    private static async Task<T?> Scalar<T>(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync() is T value ? value : default;
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private sealed class CommandFailed(int exitCode, string message) : Exception(message)
    {
        public int ExitCode { get; } = exitCode;
    }

    /// <summary>The database the server is configured for, described without its password.</summary>
    private sealed class Target(string connectionString)
    {
        private readonly NpgsqlConnectionStringBuilder _builder = new(connectionString);

        public string Database => _builder.Database ?? _builder.Username ?? "postgres";

        public override string ToString() => $"database {Database} on {_builder.Host}:{_builder.Port}";

        public async Task<NpgsqlConnection> OpenAsync()
        {
            // Not pooled: the restore checks that nobody else is connected, and leaves nothing open behind it.
            var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_builder.ConnectionString) { Pooling = false, ApplicationName = "wechatkepu-backup" }.ConnectionString);
            await conn.OpenAsync();
            return conn;
        }

        /// <summary>The latest applied migration, or "none" for a database the server never migrated.</summary>
        public async Task<string> SchemaVersionAsync()
        {
            await using var conn = await OpenAsync();
            return await Scalar<string>(conn, """
                SELECT CASE WHEN to_regclass('public.schema_migrations') IS NULL THEN 'none'
                            ELSE (SELECT coalesce(max(lpad(version::text, 4, '0') || '_' || name), 'none') FROM schema_migrations) END
                """) ?? "none";
        }

        public IEnumerable<(string Name, string Value)> LibpqEnvironment()
        {
            yield return ("PGHOST", _builder.Host ?? "localhost");
            yield return ("PGPORT", _builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            yield return ("PGDATABASE", Database);
            yield return ("PGAPPNAME", "wechatkepu-backup");
            yield return ("PGCONNECT_TIMEOUT", Math.Max(2, _builder.Timeout).ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (_builder.Username is { Length: > 0 } user)
            {
                yield return ("PGUSER", user);
            }

            if (_builder.Password is { Length: > 0 } password)
            {
                yield return ("PGPASSWORD", password);
            }

            foreach (var (name, value) in new[]
                     {
                         ("PGSSLROOTCERT", _builder.RootCertificate), ("PGSSLCERT", _builder.SslCertificate),
                         ("PGSSLKEY", _builder.SslKey), ("PGPASSFILE", _builder.Passfile),
                     })
            {
                if (!string.IsNullOrEmpty(value))
                {
                    yield return (name, value);
                }
            }

            yield return ("PGSSLMODE", _builder.SslMode switch
            {
                SslMode.Disable => "disable",
                SslMode.Allow => "allow",
                SslMode.Require => "require",
                SslMode.VerifyCA => "verify-ca",
                SslMode.VerifyFull => "verify-full",
                _ => "prefer",
            });
        }
    }
}
