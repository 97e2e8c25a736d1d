using Npgsql;
using WechatKepu.Data.Embedded;
using WechatKepu.Testing;

namespace WechatKepu.Server.Tests.Data;

public sealed class EmbeddedPostgresLifecycleTests
{
    [Fact]
    public async Task Cluster_is_reused_on_the_next_start_and_keeps_its_data()
    {
        var root = Path.Combine(RepoRoot.Find(), ".data", "pg-tests", "lifecycle-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await using (var first = await EmbeddedPostgres.StartAsync(root, "keep", new EmbeddedPostgresOptions { Durable = false }))
            {
                await using var conn = new NpgsqlConnection(first.ConnectionString("keep"));
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('柳州')", conn);
                await cmd.ExecuteNonQueryAsync();
            }

            await using var second = await EmbeddedPostgres.StartAsync(root, "keep", new EmbeddedPostgresOptions { Durable = false });
            await using var again = new NpgsqlConnection(second.ConnectionString("keep"));
            await again.OpenAsync();
            await using var read = new NpgsqlCommand("SELECT v FROM kept", again);
            Assert.Equal("柳州", await read.ExecuteScalarAsync());
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Missing_binaries_give_one_clear_message_naming_the_package()
    {
        var empty = Directory.CreateTempSubdirectory("no-pg-").FullName;
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            EmbeddedPostgres.StartAsync(Path.Combine(empty, "c"), "x", new EmbeddedPostgresOptions { BinDirectory = empty }));
        Assert.Contains("apt-get install -y postgresql", e.Message);
        Assert.Contains("ConnectionStrings__Kepu", e.Message);
    }

    [Fact]
    public async Task Test_cluster_answers_in_a_fresh_database()
    {
        var cs = await TestPostgres.CreateDatabaseAsync("pgcheck");
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", conn);
        Assert.Equal(0L, await cmd.ExecuteScalarAsync());
    }
}
