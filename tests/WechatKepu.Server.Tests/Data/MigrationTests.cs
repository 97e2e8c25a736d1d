using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using WechatKepu.Data;
using WechatKepu.Data.Migrations;
using WechatKepu.Testing;

namespace WechatKepu.Server.Tests.Data;

public sealed class MigrationTests
{
    private static SchemaMigrator Migrator(NpgsqlDataSource ds) => new(ds, NullLogger<SchemaMigrator>.Instance);

    private static async Task<string> SchemaFingerprintAsync(NpgsqlDataSource ds)
    {
        await using var cmd = ds.CreateCommand("""
            SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY table_name, column_name)
            FROM information_schema.columns WHERE table_schema = 'public'
            """);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Applying_migrations_twice_changes_nothing()
    {
        var cs = await TestPostgres.CreateDatabaseAsync("mig");
        await using var ds = DataSetup.CreateDataSource(cs);
        var first = await Migrator(ds).MigrateAsync();
        Assert.Equal(SchemaMigrator.Embedded.Select(m => m.Version), first);
        var schema = await SchemaFingerprintAsync(ds);

        var second = await Migrator(ds).MigrateAsync();
        Assert.Empty(second);
        Assert.Equal(schema, await SchemaFingerprintAsync(ds));
        Assert.Empty(await Migrator(ds).PendingAsync());
        await using var count = ds.CreateCommand("SELECT count(*) FROM schema_migrations");
        Assert.Equal((long)SchemaMigrator.Embedded.Count, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Two_migrators_at_once_one_applies_the_other_waits_then_finds_nothing()
    {
        var cs = await TestPostgres.CreateDatabaseAsync("mig");
        await using var ds = DataSetup.CreateDataSource(cs);

        // Hold the migrators' lock so that both must queue behind it, then let them race.
        await using var holder = await ds.OpenConnectionAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(x'4B4550554D494752'::bigint)", holder))
        {
            await take.ExecuteNonQueryAsync();
        }

        var a = Migrator(ds).MigrateAsync();
        var b = Migrator(ds).MigrateAsync();
        await WaitUntilAsync(async () =>
        {
            await using var waiting = ds.CreateCommand("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
            return (long)(await waiting.ExecuteScalarAsync())! == 2;
        });
        Assert.False(a.IsCompleted || b.IsCompleted);

        await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock(x'4B4550554D494752'::bigint)", holder))
        {
            await release.ExecuteNonQueryAsync();
        }

        var results = await Task.WhenAll(a, b);
        Assert.Single(results, r => r.Count == SchemaMigrator.Embedded.Count);
        Assert.Single(results, r => r.Count == 0);
        Assert.Empty(await Migrator(ds).PendingAsync());
    }

    [Fact]
    public async Task Pending_lists_every_version_of_an_empty_database()
    {
        var cs = await TestPostgres.CreateDatabaseAsync("mig");
        await using var ds = DataSetup.CreateDataSource(cs);
        Assert.Equal(SchemaMigrator.Embedded.Select(m => m.Version), await Migrator(ds).PendingAsync());
    }

    [Fact]
    public void Embedded_migrations_are_numbered_in_order_without_gaps()
    {
        Assert.Equal(Enumerable.Range(1, SchemaMigrator.Embedded.Count), SchemaMigrator.Embedded.Select(m => m.Version));
    }

    private static async Task<string> RoutinesFingerprintAsync(NpgsqlDataSource ds)
    {
        await using var cmd = ds.CreateCommand("""
            SELECT coalesce(string_agg(def, E'\n' ORDER BY def), '') FROM (
                SELECT pg_get_functiondef(p.oid) AS def FROM pg_proc p
                WHERE p.pronamespace = 'public'::regnamespace AND p.prokind IN ('f', 'p')
                UNION ALL
                SELECT c.relname || ': ' || pg_get_viewdef(c.oid) FROM pg_class c
                WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('v', 'm')) d
            """);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource ds, string sql)
    {
        await using var cmd = ds.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task An_edited_applied_migration_stops_the_migrator_with_one_line_naming_it()
    {
        var cs = await TestPostgres.CreateDatabaseAsync("mig");
        await using var ds = DataSetup.CreateDataSource(cs);
        await Migrator(ds).MigrateAsync();
        await ExecuteAsync(ds, "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 10");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Migrator(ds).MigrateAsync());
        Assert.Contains("0010_signup_duplicate_probe.sql was edited", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => Migrator(ds).CheckAppliedUneditedAsync());

        await ExecuteAsync(ds, $"UPDATE schema_migrations SET checksum = '{SchemaMigrator.Embedded.Single(m => m.Version == 10).Checksum}' WHERE version = 10");
        Assert.Empty(await Migrator(ds).MigrateAsync());
    }

    [Fact]
    public async Task A_routine_is_applied_again_when_its_text_changes_and_only_then()
    {
        var cs = await TestPostgres.CreateDatabaseAsync("mig");
        await using var ds = DataSetup.CreateDataSource(cs);
        await Migrator(ds).MigrateAsync();
        var current = await RoutinesFingerprintAsync(ds);
        var previous = SchemaMigrator.Embedded.Single(m => m.Version == 9).Sql;

        // Unchanged checksum: the migrator leaves the function as it finds it.
        await ExecuteAsync(ds, previous);
        var old = await RoutinesFingerprintAsync(ds);
        Assert.NotEqual(current, old);
        await Migrator(ds).MigrateAsync();
        Assert.Equal(old, await RoutinesFingerprintAsync(ds));

        // The recorded checksum differs from the file's (as after an edit of the routine): applied again.
        Assert.Empty(await Migrator(ds).DifferingRoutinesAsync());
        await ExecuteAsync(ds, "UPDATE schema_routines SET checksum = 'before' WHERE name = 'signup_claim_batch'");
        Assert.Equal(["signup_claim_batch"], await Migrator(ds).DifferingRoutinesAsync());
        await Migrator(ds).MigrateAsync();
        Assert.Equal(current, await RoutinesFingerprintAsync(ds));
        Assert.Empty(await Migrator(ds).DifferingRoutinesAsync());
        await using var recorded = ds.CreateCommand("SELECT checksum FROM schema_routines WHERE name = 'signup_claim_batch'");
        Assert.Equal(SchemaMigrator.Routines.Single(r => r.Name == "signup_claim_batch").Checksum, await recorded.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_fresh_database_and_one_migrated_before_routines_end_with_the_same_definitions()
    {
        await using var fresh = DataSetup.CreateDataSource(await TestPostgres.CreateDatabaseAsync("mig"));
        await Migrator(fresh).MigrateAsync();

        // As the migrator before checksums and routines left a database: every numbered file run, no checksums.
        await using var upgraded = DataSetup.CreateDataSource(await TestPostgres.CreateDatabaseAsync("mig"));
        await ExecuteAsync(upgraded, "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
        foreach (var m in SchemaMigrator.Embedded)
        {
            await ExecuteAsync(upgraded, m.Sql);
            await ExecuteAsync(upgraded, $"INSERT INTO schema_migrations (version, name) VALUES ({m.Version}, '{m.Name}')");
        }

        Assert.Empty(await Migrator(upgraded).MigrateAsync());

        Assert.Equal(await RoutinesFingerprintAsync(fresh), await RoutinesFingerprintAsync(upgraded));
        Assert.Equal(await SchemaFingerprintAsync(fresh), await SchemaFingerprintAsync(upgraded));
        await using var withoutChecksum = upgraded.CreateCommand("SELECT count(*) FROM schema_migrations WHERE checksum IS NULL");
        Assert.Equal(0L, await withoutChecksum.ExecuteScalarAsync());
        await using var routines = upgraded.CreateCommand("SELECT count(*) FROM schema_routines");
        Assert.Equal((long)SchemaMigrator.Routines.Count, await routines.ExecuteScalarAsync());
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            await Task.Delay(20, cts.Token);
        }
    }
}
