using Npgsql;
using WechatKepu.Testing;

namespace WechatKepu.Server.Tests;

public sealed class EmbeddedPostgresTests
{
    [Fact]
    public async Task Test_cluster_answers_queries_in_a_fresh_database()
    {
        var cs = await TestPostgres.CreateDatabaseAsync("pgcheck");
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT current_setting('server_version_num')::int", conn);
        Assert.True((int)(await cmd.ExecuteScalarAsync())! >= 130000);
        await conn.CloseAsync();
        await TestPostgres.DropDatabaseAsync(cs);
    }
}
