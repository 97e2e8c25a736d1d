using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using WechatKepu.Data.Migrations;
using WechatKepu.Testing;

namespace WechatKepu.Wechat.Tests.Tokens;

/// <summary>A fresh, migrated database per test.</summary>
public static class TokenDatabase
{
    public static async Task<NpgsqlDataSource> CreateAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("tok");
        var dataSource = NpgsqlDataSource.Create(connectionString);
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        return dataSource;
    }
}
