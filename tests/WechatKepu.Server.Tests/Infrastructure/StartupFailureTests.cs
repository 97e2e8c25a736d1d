using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using WechatKepu.Data;
using WechatKepu.Data.Migrations;
using WechatKepu.Server.Infrastructure;
using WechatKepu.Testing;

namespace WechatKepu.Server.Tests.Infrastructure;

/// <summary>
/// The real server binary started with bad configuration: an operator gets one line saying what is wrong
/// and a non-zero exit code, never an unhandled-exception stack trace. And README's <c>--create-admin</c>
/// command, run as written (the bare binary, so Production, no connection string), works on the embedded
/// default database.
/// </summary>
public sealed class StartupFailureTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private static async Task<(int Exit, string Output)> RunAsync(Dictionary<string, string> environment, params string[] args)
    {
        await using var server = ServerProcess.Start(environment, args);
        var exit = await server.WaitForExitAsync(Timeout);
        return (exit, server.Output);
    }

    private static void AssertOneClearLine(int exit, string output, string reason)
    {
        Assert.True(exit == StartupFailure.ExitCode, $"exit {exit}: {output}");
        var lines = output.Split('\n');
        var line = Assert.Single(lines, l => l.StartsWith(StartupFailure.Prefix, StringComparison.Ordinal));
        Assert.Contains(reason, line);
        Assert.DoesNotContain("Unhandled exception", output);
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain("Hosting failed to start", output);
    }

    [Fact]
    public async Task Production_without_a_connection_string_says_so_in_one_line()
    {
        var (exit, output) = await RunAsync(new() { ["ASPNETCORE_ENVIRONMENT"] = "Production" });
        AssertOneClearLine(exit, output, "ConnectionStrings__Kepu is not set");
    }

    [Fact]
    public async Task An_unreachable_database_says_so_in_one_line()
    {
        var (exit, output) = await RunAsync(new() { ["ConnectionStrings__Kepu"] = "Host=127.0.0.1;Port=1;Database=kepu;Username=kepu;Timeout=3" });
        AssertOneClearLine(exit, output, "cannot reach PostgreSQL");
    }

    [Fact]
    public async Task A_malformed_connection_string_says_so_in_one_line_without_its_values()
    {
        var (exit, output) = await RunAsync(new() { ["ConnectionStrings__Kepu"] = "Hots=db.example;Password=s3cret-value" });
        AssertOneClearLine(exit, output, "ConnectionStrings__Kepu is not a valid PostgreSQL connection string");
        Assert.DoesNotContain("s3cret-value", output);
    }

    [Fact]
    public async Task An_invalid_setting_names_the_setting_in_one_line()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("startup");
        var (exit, output) = await RunAsync(new()
        {
            ["ConnectionStrings__Kepu"] = connectionString,
            ["Jobs__RunServer"] = "false",
            ["Callback__HandlerDeadline"] = "00:00:09",
        });
        AssertOneClearLine(exit, output, "HandlerDeadline");
    }

    [Fact]
    public async Task An_applied_migration_edited_since_says_so_in_one_line()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("startup");
        await using (var ds = DataSetup.CreateDataSource(connectionString))
        {
            await new SchemaMigrator(ds, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
            await using var edit = ds.CreateCommand("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 8");
            await edit.ExecuteNonQueryAsync();
        }

        // Whether or not the server migrates at start.
        foreach (var migrateOnStart in new[] { "true", "false" })
        {
            var (exit, output) = await RunAsync(new()
            {
                ["ConnectionStrings__Kepu"] = connectionString,
                ["Jobs__RunServer"] = "false",
                ["Database__MigrateOnStart"] = migrateOnStart,
            });
            AssertOneClearLine(exit, output, "applied migration 0008_signup_claim_batch.sql was edited");
        }
    }

    [Fact]
    public async Task A_port_in_use_says_so_in_one_line()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("startup");
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var (exit, output) = await RunAsync(new()
        {
            ["ConnectionStrings__Kepu"] = connectionString,
            ["Jobs__RunServer"] = "false",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        });
        AssertOneClearLine(exit, output, "address already in use");
    }

    [Fact]
    public async Task The_documented_create_admin_command_works_on_the_embedded_default()
    {
        var dir = Path.Combine(Path.GetTempPath(), "kepu-create-admin-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            // As README has it: no environment name (Production), no connection string, password in the environment.
            var environment = new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["Database__EmbeddedDirectory"] = dir,
                ["KEPU_ADMIN_PASSWORD"] = "first-admin-pass",
            };
            var (exit, output) = await RunAsync(environment, "--create-admin", "boss");
            Assert.True(exit == 0, output);
            Assert.Contains("Admin boss created", output);
            Assert.Contains("using the embedded development database", output);

            // The admin is kept in that database, and the cluster the command started is stopped again.
            Assert.False(File.Exists(Path.Combine(dir, "data", "postmaster.pid")), output);
            environment["KEPU_ADMIN_PASSWORD"] = "second-admin-pass";
            (exit, output) = await RunAsync(environment, "--create-admin", "boss");
            Assert.True(exit == 0, output);
            Assert.Contains("Admin boss exists: password reset", output);

            // A bad name is still a usage error (2), not a failed start.
            (exit, output) = await RunAsync(environment, "--create-admin", "有 空格");
            Assert.True(exit == 2, output);
            Assert.DoesNotContain(StartupFailure.Prefix, output);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
