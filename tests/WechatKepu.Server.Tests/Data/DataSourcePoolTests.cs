using Npgsql;
using WechatKepu.Data;

namespace WechatKepu.Server.Tests.Data;

/// <summary>Database:MaxPoolSize caps the pool unless the connection string names its own size.</summary>
public sealed class DataSourcePoolTests
{
    private static int PoolSize(NpgsqlDataSource dataSource) =>
        new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MaxPoolSize;

    [Fact]
    public void The_configured_size_applies_when_the_connection_string_names_none()
    {
        using var dataSource = DataSetup.CreateDataSource("Host=127.0.0.1;Database=kepu", 16);
        Assert.Equal(16, PoolSize(dataSource));
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Database=kepu;Maximum Pool Size=5")]
    [InlineData("Host=127.0.0.1;Database=kepu;MaxPoolSize=5")]
    [InlineData("host=127.0.0.1;database=kepu;maximum pool size=5")]
    public void A_size_in_the_connection_string_wins(string connectionString)
    {
        using var dataSource = DataSetup.CreateDataSource(connectionString, 16);
        Assert.Equal(5, PoolSize(dataSource));
    }

    [Fact]
    public void Without_a_configured_size_Npgsqls_default_stays()
    {
        using var dataSource = DataSetup.CreateDataSource("Host=127.0.0.1;Database=kepu");
        Assert.Equal(new NpgsqlConnectionStringBuilder().MaxPoolSize, PoolSize(dataSource));
    }
}
