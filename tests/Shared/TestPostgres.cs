using System.Reflection;
using Npgsql;
using WechatKepu.Data.Embedded;

namespace WechatKepu.Testing;

/// <summary>
/// One real PostgreSQL cluster per test assembly (started from the machine's binaries, fsync off),
/// and a fresh database per fixture so tests never see each other's rows.
/// </summary>
public static class TestPostgres
{
    private static readonly Lazy<Task<EmbeddedPostgres>> Cluster = new(StartAsync);

    public static Task<EmbeddedPostgres> ServerAsync() => Cluster.Value;

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix = "t")
    {
        var server = await Cluster.Value;
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)];
        await server.EnsureDatabaseAsync(name);
        return server.ConnectionString(name);
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var server = await Cluster.Value;
        var db = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await server.DropDatabaseAsync(db);
    }

    private static async Task<EmbeddedPostgres> StartAsync()
    {
        var assembly = Assembly.GetExecutingAssembly().GetName().Name!;
        var root = Path.Combine(RepoRoot.Find(), ".data", "pg-tests", assembly);
        var server = await EmbeddedPostgres.StartAsync(root, "postgres", new EmbeddedPostgresOptions { Durable = false });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }
}
