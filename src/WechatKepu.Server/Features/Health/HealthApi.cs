using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using WechatKepu.Data.Migrations;

namespace WechatKepu.Server.Features.Health;

public sealed record HealthDto(string Status, bool DatabaseReachable, string? DatabaseError, MigrationStateDto? Migrations);

public sealed record MigrationStateDto(int Latest, IReadOnlyList<int> Pending);

public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", CheckAsync).WithTags("Health")
            .WithSummary("Database reachability and migration state; 503 when either is not right");
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
}
