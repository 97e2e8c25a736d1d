using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using WechatKepu.Data.Migrations;
using WechatKepu.Server.Features.Backup;
using WechatKepu.Testing;

namespace WechatKepu.Server.Tests.Backup;

/// <summary>
/// <c>--backup</c> and <c>--restore</c> against configured connection strings: what they refuse, with one
/// line and which exit code. The whole backup-and-restore round trip is <see cref="RestoreDrillTests"/>.
/// </summary>
public sealed class BackupCommandTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"kepu-backup-{Guid.NewGuid():N}");
    private readonly List<string> _databases = [];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        foreach (var db in _databases)
        {
            await TestPostgres.DropDatabaseAsync(db);
        }
    }

    private async Task<string> DatabaseAsync(bool migrated)
    {
        // Not pooled: an idle pooled connection would count as another client to --restore.
        var db = new NpgsqlConnectionStringBuilder(await TestPostgres.CreateDatabaseAsync("bk")) { Pooling = false }.ConnectionString;
        _databases.Add(db);
        if (migrated)
        {
            await using var source = NpgsqlDataSource.Create(db);
            await new SchemaMigrator(source, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        }

        return db;
    }

    private static void AssertOneLine(ServerProcess.CommandResult result, int exit, string contains)
    {
        Assert.True(result.Exit == exit, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n'));
        Assert.Contains(contains, line);
    }

    [Fact]
    public async Task Bad_arguments_and_files_that_are_not_backups_are_refused_with_one_line_and_exit_2()
    {
        var db = await DatabaseAsync(migrated: false);
        var notABackup = Path.Combine(_folder, "notes.txt");
        await File.WriteAllTextAsync(notABackup, "SELECT 1;");

        AssertOneLine(await ServerProcess.RunAsync(ServerCommand.On(db), "--restore"), BackupCommand.Exit.Usage, "Usage: --backup <file>");
        AssertOneLine(await ServerProcess.RunAsync(ServerCommand.On(db), "--backup", "--force"), BackupCommand.Exit.Usage, "Usage");
        AssertOneLine(await ServerProcess.RunAsync(ServerCommand.On(db), "--backup", notABackup, "--restore", notABackup), BackupCommand.Exit.Usage, "not both");
        AssertOneLine(await ServerProcess.RunAsync(ServerCommand.On(db), "--restore", Path.Combine(_folder, "missing.dump")), BackupCommand.Exit.Usage, "does not exist");
        AssertOneLine(await ServerProcess.RunAsync(ServerCommand.On(db), "--restore", notABackup), BackupCommand.Exit.Usage, "is not a backup made by --backup");
        AssertOneLine(await ServerProcess.RunAsync(ServerCommand.On(db), "--backup", Path.Combine(_folder, "no-such-folder", "x.dump")), BackupCommand.Exit.Usage, "does not exist");
        Assert.Equal(0L, await ScalarAsync<long>(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"));
    }

    [Fact]
    public async Task A_backup_that_cannot_be_made_fails_with_one_line_and_leaves_the_last_good_file_alone()
    {
        var file = Path.Combine(_folder, "kepu.dump");
        await File.WriteAllTextAsync(file, "the last good backup");
        var unreachable = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = 1, Database = "kepu", Username = "kepu" }.ConnectionString;

        AssertOneLine(await ServerProcess.RunAsync(ServerCommand.On(unreachable), "--backup", file), BackupCommand.Exit.Failed, "Cannot use the database kepu on 127.0.0.1:1");

        var db = await DatabaseAsync(migrated: true);
        var noTools = ServerCommand.On(db);
        noTools["KEPU_PG_BIN"] = Path.Combine(_folder, "no-postgres-here");
        AssertOneLine(await ServerProcess.RunAsync(noTools, "--backup", file), BackupCommand.Exit.Failed, "pg_dump and pg_restore were not found");

        // pg_dump itself fails: its own error line is passed on.
        var wrongDatabase = new NpgsqlConnectionStringBuilder(db) { Database = "kepu_no_such_database" }.ConnectionString;
        AssertOneLine(await ServerProcess.RunAsync(ServerCommand.On(wrongDatabase), "--backup", file), BackupCommand.Exit.Failed, "kepu_no_such_database");

        Assert.Equal("the last good backup", await File.ReadAllTextAsync(file));
        Assert.Equal([file], Directory.GetFiles(_folder));
    }

    [Fact]
    public async Task Restore_refuses_a_database_that_has_tables_or_other_clients_and_force_replaces_its_contents()
    {
        var source = await DatabaseAsync(migrated: true);
        await ExecuteAsync(source, "INSERT INTO staff_accounts (username, display_name, role, password_hash) VALUES ('boss', '馆长', 'admin', 'x')");
        var file = Path.Combine(_folder, "kepu.dump");
        var backup = await ServerProcess.RunAsync(ServerCommand.On(source), "--backup", file);
        Assert.True(backup.Exit == 0, backup.ToString());
        Assert.Contains("schema at migration", backup.Stdout);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file)); // children's data and the server keys
        }

        // Into an empty database: restored, and the same data.
        var target = await DatabaseAsync(migrated: false);
        var restored = await ServerProcess.RunAsync(ServerCommand.On(target), "--restore", file);
        Assert.True(restored.Exit == 0, restored.ToString());
        Assert.Contains("up to date", restored.Stdout);
        Assert.Equal(await ServerCommand.FingerprintAsync(source), await ServerCommand.FingerprintAsync(target));

        // Again over it: refused, nothing touched.
        await ExecuteAsync(target, "UPDATE staff_accounts SET display_name = '改过的' WHERE username = 'boss'");
        await ExecuteAsync(target, "CREATE TABLE left_over (id int)");
        AssertOneLine(await ServerProcess.RunAsync(ServerCommand.On(target), "--restore", file), BackupCommand.Exit.Refused, "already has");
        Assert.Equal("改过的", await ScalarAsync<string>(target, "SELECT display_name FROM staff_accounts WHERE username = 'boss'"));

        // Another client connected (a server still running): refused even with --force.
        await using (var other = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(target) { ApplicationName = "kepu-instance-2" }.ConnectionString))
        {
            await other.OpenAsync();
            AssertOneLine(await ServerProcess.RunAsync(ServerCommand.On(target), "--restore", file, "--force"), BackupCommand.Exit.Refused, "kepu-instance-2");
        }

        // --force: everything in it is dropped first, so what is left is exactly the backup.
        var forced = await ServerProcess.RunAsync(ServerCommand.On(target), "--restore", file, "--force");
        Assert.True(forced.Exit == 0, forced.ToString());
        Assert.Equal(await ServerCommand.FingerprintAsync(source), await ServerCommand.FingerprintAsync(target));
    }

    [Fact]
    public async Task Restore_says_when_the_backup_is_older_or_newer_than_the_binary()
    {
        var source = await DatabaseAsync(migrated: true);
        var latest = SchemaMigrator.Embedded.Max(m => m.Version);
        // As if the backup came from a version one migration behind, and also knew one from the future.
        await ExecuteAsync(source, $"DELETE FROM schema_migrations WHERE version = {latest}; INSERT INTO schema_migrations (version, name) VALUES (9999, 'from_the_future')");
        var file = Path.Combine(_folder, "kepu.dump");
        Assert.Equal(0, (await ServerProcess.RunAsync(ServerCommand.On(source), "--backup", file)).Exit);

        var restored = await ServerProcess.RunAsync(ServerCommand.On(await DatabaseAsync(migrated: false)), "--restore", file);
        Assert.True(restored.Exit == 0, restored.ToString());
        Assert.Contains("1 migrations pending: run --migrate", restored.Stdout);
        Assert.Contains("the backup has 1 migrations this binary does not know", restored.Stdout);
    }

    private static async Task ExecuteAsync(string db, string sql)
    {
        await using var conn = new NpgsqlConnection(db);
        await conn.ExecuteAsync(sql);
    }

    private static async Task<T?> ScalarAsync<T>(string db, string sql)
    {
        await using var conn = new NpgsqlConnection(db);
        return await conn.ExecuteScalarAsync<T>(sql);
    }
}
