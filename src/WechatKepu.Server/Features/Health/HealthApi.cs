using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using WechatKepu.Data.Migrations;

namespace WechatKepu.Server.Features.Health;

public sealed record HealthDto(string Status, bool DatabaseReachable, string? DatabaseError, MigrationStateDto? Migrations);

public sealed record MigrationStateDto(int Latest, IReadOnlyList<int> Pending);

/// <summary>Whether this instance should receive traffic; <c>checks</c> says what is wrong when it should not.</summary>
public sealed record ReadinessDto(string Status, IReadOnlyDictionary<string, string> Checks);

public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", CheckAsync).WithTags("Health")
            .WithSummary("Database reachability and migration state; 503 when either is not right");
        app.MapGet("/livez", () => TypedResults.Text("alive")).WithTags("Health")
            .WithSummary("Liveness: the process answers. Never depends on the database, so an outage restarts nothing");
        app.MapGet("/readyz", ReadyAsync).WithTags("Health")
            .WithSummary("Readiness for the load balancer: database, migrations, job storage, not shutting down; 503 otherwise");
        return app;
    }

    public static async Task<Results<Ok<HealthDto>, JsonHttpResult<HealthDto>>> CheckAsync(
        SchemaMigrator migrator, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await using (var cmd = dataSource.CreateCommand("SELECT 1"))
            {
                await cmd.ExecuteScalarAsync(timeout.Token);
            }

            var pending = await migrator.PendingAsync(timeout.Token);
            var state = new MigrationStateDto(SchemaMigrator.Embedded.Max(m => m.Version), pending);
            return pending.Count == 0
                ? TypedResults.Ok(new HealthDto("healthy", true, null, state))
                : TypedResults.Json(new HealthDto("migrations_pending", true, null, state), statusCode: 503);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return TypedResults.Json(new HealthDto("unhealthy", false, e.GetType().Name, null), statusCode: 503);
        }
    }

    /// <summary>
    /// Ready when the database answers, no migration is pending, Hangfire's storage answers, and the
    /// instance is not stopping (so that a rolling restart drains it before it goes).
    /// </summary>
    public static async Task<JsonHttpResult<ReadinessDto>> ReadyAsync(
        SchemaMigrator migrator, NpgsqlDataSource dataSource, JobStorage jobs, IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        var checks = new Dictionary<string, string>(StringComparer.Ordinal);
        var ready = !lifetime.ApplicationStopping.IsCancellationRequested;
        checks["instance"] = ready ? "running" : "stopping";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await using (var cmd = dataSource.CreateCommand("SELECT 1"))
            {
                await cmd.ExecuteScalarAsync(timeout.Token);
            }

            checks["database"] = "ok";
            var pending = await migrator.PendingAsync(timeout.Token);
            checks["migrations"] = pending.Count == 0 ? "ok" : "pending: " + string.Join(", ", pending);
            ready &= pending.Count == 0;

            // Hangfire's API is synchronous; its storage shares the data source, which just answered.
            var servers = await Task.Run(() => jobs.GetMonitoringApi().Servers().Count, timeout.Token);
            checks["jobs"] = $"ok ({servers} job servers)";
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever failed (Npgsql, a timeout, Hangfire wrapping either), the answer is "not ready", never a 500.
            checks.TryAdd("database", "unreachable: " + e.GetType().Name);
            checks.TryAdd("migrations", "unknown");
            checks.TryAdd("jobs", "unreachable: " + e.GetType().Name);
            ready = false;
        }

        return TypedResults.Json(new ReadinessDto(ready ? "ready" : "not_ready", checks), statusCode: ready ? 200 : 503);
    }
}
