using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace WechatKepu.Data.Embedded;

/// <summary>
/// A private PostgreSQL cluster started from the machine's own binaries, for development and tests.
/// The cluster lives in a folder (reused on the next start), listens on 127.0.0.1 only, on a free
/// port, with trust authentication, and is stopped when this object is disposed. As root, every
/// PostgreSQL command runs as the <c>postgres</c> user, since PostgreSQL refuses to run as root.
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    public const string SuperUser = "kepu";
    public const string MissingBinariesMessage =
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found. " +
        "Install them with: apt-get install -y postgresql (or set KEPU_PG_BIN to their folder), " +
        "or point ConnectionStrings__Kepu at an existing server.";

    private readonly string _binDir;
    private readonly string _dataDir;
    private readonly bool _asPostgresUser;
    private readonly ILogger _logger;
    private readonly bool _ownsServer;
    private int _stopped;

    private EmbeddedPostgres(string binDir, string dataDir, bool asPostgresUser, int port, bool ownsServer, ILogger logger)
    {
        _binDir = binDir;
        _dataDir = dataDir;
        _asPostgresUser = asPostgresUser;
        Port = port;
        _ownsServer = ownsServer;
        _logger = logger;
    }

    public int Port { get; }

    public string DataDirectory => _dataDir;

    /// <summary>Whether this process started the cluster (rather than attaching to one already running).</summary>
    public bool StartedHere { get; private init; }

    /// <summary>Connection string for <paramref name="database"/> on this cluster.</summary>
    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = SuperUser,
        Database = database,
        MaxPoolSize = 200,
        // A restarted server leaves broken pooled connections behind: drop them rather than fail twice.
        ConnectionLifetime = 300,
    }.ConnectionString;

    /// <summary>
    /// Starts (or attaches to an already running) cluster in <paramref name="rootDir"/>/data and
    /// makes sure <paramref name="database"/> exists.
    /// </summary>
    public static async Task<EmbeddedPostgres> StartAsync(
        string rootDir, string database, EmbeddedPostgresOptions? options = null, ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new EmbeddedPostgresOptions();
        logger ??= NullLogger.Instance;
        var binDir = FindBinaries(options.BinDirectory) ?? throw new InvalidOperationException(MissingBinariesMessage);
        var asPostgresUser = IsRoot();
        rootDir = Path.GetFullPath(rootDir);
        if (asPostgresUser && !PostgresUserCanReach(rootDir))
        {
            // CI may clone into a folder the postgres user cannot traverse: keep the cluster where it can.
            var fallback = Path.Combine(Path.GetTempPath(), "wechatkepu-pg", Convert.ToHexString(
                System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(rootDir)))[..16]);
            logger.LogInformation("Postgres user cannot reach {Dir}; using {Fallback}", rootDir, fallback);
            rootDir = fallback;
        }

        Directory.CreateDirectory(rootDir);
        var dataDir = Path.Combine(rootDir, "data");
        var logFile = Path.Combine(rootDir, "server.log");
        if (asPostgresUser)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", rootDir], cancellationToken);
        }

        var runner = new EmbeddedPostgres(binDir, dataDir, asPostgresUser, 0, false, logger);
        if (!File.Exists(Path.Combine(dataDir, "PG_VERSION")))
        {
            logger.LogInformation("Creating PostgreSQL cluster in {Dir}", dataDir);
            await runner.PgAsync("initdb", ["-D", dataDir, "-U", SuperUser, "--auth=trust", "-E", "UTF8",
                "--locale=C.UTF-8", "--no-instructions"], cancellationToken);
            var conf = new List<string>
            {
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = ''",
                $"max_connections = {options.MaxConnections}",
                "shared_buffers = 128MB",
                "timezone = 'UTC'",
            };
            if (!options.Durable)
            {
                conf.AddRange(["fsync = off", "synchronous_commit = off", "full_page_writes = off"]);
            }

            await File.AppendAllLinesAsync(Path.Combine(dataDir, "postgresql.conf"), conf, cancellationToken);
        }

        var running = await runner.RunningPortAsync(cancellationToken);
        EmbeddedPostgres server;
        if (running is int existingPort)
        {
            logger.LogInformation("Reusing PostgreSQL already running on port {Port}", existingPort);
            server = new EmbeddedPostgres(binDir, dataDir, asPostgresUser, existingPort, options.StopIfAttached, logger);
        }
        else
        {
            var port = options.Port ?? FreePort();
            logger.LogInformation("Starting PostgreSQL on 127.0.0.1:{Port}", port);
            await runner.PgAsync("pg_ctl", ["-D", dataDir, "-l", logFile, "-w", "-t", "60",
                "-o", $"-p {port}", "start"], cancellationToken);
            server = new EmbeddedPostgres(binDir, dataDir, asPostgresUser, port, true, logger) { StartedHere = true };
        }

        await server.EnsureDatabaseAsync(database, cancellationToken);
        return server;
    }

    /// <summary>Creates <paramref name="database"/> unless it exists.</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        await using var conn = new NpgsqlConnection(ConnectionString("postgres"));
        await conn.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", conn);
        exists.Parameters.AddWithValue(database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"")}\"", conn);
            try
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
            {
                // Another process created it between our check and our CREATE.
            }
        }
    }

    /// <summary>Drops <paramref name="database"/>, closing its connections.</summary>
    public async Task DropDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(ConnectionString("postgres"));
        await conn.OpenAsync(cancellationToken);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database.Replace("\"", "\"\"")}\" WITH (FORCE)", conn);
        await drop.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Stops the server immediately (fast shutdown), e.g. to test recovery.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        PgAsync("pg_ctl", ["-D", _dataDir, "-w", "-t", "60", "-m", "fast", "stop"], cancellationToken);

    /// <summary>Starts the server again on the same port after <see cref="StopAsync"/>.</summary>
    public Task RestartAsync(CancellationToken cancellationToken = default) =>
        PgAsync("pg_ctl", ["-D", _dataDir, "-l", Path.Combine(Path.GetDirectoryName(_dataDir)!, "server.log"),
            "-w", "-t", "60", "-o", $"-p {Port}", "start"], cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (!_ownsServer || Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        try
        {
            await StopAsync();
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Stopping PostgreSQL failed");
        }
    }

    private async Task<int?> RunningPortAsync(CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(_dataDir, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return null;
        }

        var status = await RunAsync(Cmd("pg_ctl"), Args("pg_ctl", ["-D", _dataDir, "status"]), cancellationToken, throwOnError: false);
        if (status.ExitCode != 0)
        {
            return null;
        }

        // Line 4 of postmaster.pid is the port.
        var lines = await File.ReadAllLinesAsync(pidFile, cancellationToken);
        return lines.Length > 3 && int.TryParse(lines[3].Trim(), out var port) ? port : null;
    }

    private async Task PgAsync(string tool, string[] args, CancellationToken cancellationToken) =>
        await RunAsync(Cmd(tool), Args(tool, args), cancellationToken);

    private string Cmd(string tool) => _asPostgresUser ? "runuser" : Path.Combine(_binDir, tool);

    private string[] Args(string tool, string[] args) =>
        _asPostgresUser ? ["-u", "postgres", "--", Path.Combine(_binDir, tool), .. args] : args;

    private static async Task<(int ExitCode, string Output)> RunAsync(
        string file, IEnumerable<string> args, CancellationToken cancellationToken, bool throwOnError = true)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var output = (await stdout) + (await stderr);
        if (throwOnError && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', psi.ArgumentList)} failed ({process.ExitCode}): {output}");
        }

        return (process.ExitCode, output);
    }

    /// <summary>Finds a folder holding initdb, pg_ctl and postgres, or null.</summary>
    public static string? FindBinaries(string? configured = null) => FindTools(configured, "initdb", "pg_ctl", "postgres");

    /// <summary>
    /// Finds a folder holding every one of <paramref name="tools"/> (e.g. pg_dump and pg_restore): the
    /// configured folder or <c>KEPU_PG_BIN</c>, else the newest <c>/usr/lib/postgresql/*/bin</c>, else PATH; or null.
    /// </summary>
    public static string? FindTools(string? configured, params string[] tools)
    {
        bool Has(string dir) => tools.All(t => File.Exists(Path.Combine(dir, t)));

        var env = configured ?? Environment.GetEnvironmentVariable("KEPU_PG_BIN");
        if (!string.IsNullOrEmpty(env))
        {
            return Has(env) ? env : null;
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            var best = Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(x => Has(x.Dir))
                .OrderByDescending(x => x.Version)
                .FirstOrDefault();
            if (best.Dir is not null)
            {
                return best.Dir;
            }
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (Has(dir))
            {
                return dir;
            }
        }

        return null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsRoot() => OperatingSystem.IsLinux() && geteuid() == 0;

    private static bool PostgresUserCanReach(string dir)
    {
        // Every existing ancestor must be traversable by "other" (the postgres user is neither owner nor group).
        for (var d = new DirectoryInfo(dir); d is not null; d = d.Parent)
        {
            if (!d.Exists)
            {
                continue;
            }

            if ((d.UnixFileMode & UnixFileMode.OtherExecute) == 0)
            {
                return false;
            }
        }

        return true;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern uint geteuid();
}

public sealed record EmbeddedPostgresOptions
{
    /// <summary>Fixed port; null picks a free one.</summary>
    public int? Port { get; init; }

    /// <summary>False turns fsync off: fine for tests, never for data you keep.</summary>
    public bool Durable { get; init; } = true;

    public int MaxConnections { get; init; } = 300;

    /// <summary>When attaching to a server another run left running, stop it on dispose too.</summary>
    public bool StopIfAttached { get; init; } = true;

    /// <summary>Folder of initdb/pg_ctl/postgres; null searches KEPU_PG_BIN, /usr/lib/postgresql/*/bin, then PATH.</summary>
    public string? BinDirectory { get; init; }
}
