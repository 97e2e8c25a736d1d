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

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            await Task.Delay(20, cts.Token);
        }
    }
}
