using Dapper;
using Npgsql;

namespace WechatKepu.Data.Menu;

/// <param name="Buttons">The editor's JSON (buttons naming commands, keyword rules and pages).</param>
/// <param name="PublishedAt">When menu/create last accepted it; null when never, refused since, or deleted.</param>
public sealed record MenuRow(string AppId, string Buttons, DateTime UpdatedAt, long? UpdatedBy, DateTime? PublishedAt, string? PublishError);

/// <summary>The official accounts' custom menus as staff last saved them (<c>official_menus</c>).</summary>
public sealed class MenuStore(NpgsqlDataSource dataSource)
{
    private const string GetSql = "SELECT * FROM official_menus WHERE app_id = @appId";

    public async Task<MenuRow?> GetAsync(string appId, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<MenuRow>(new CommandDefinition(GetSql, new { appId }, cancellationToken: cancellationToken));
    }

    // Saving a new version clears the publication state: it is published once WeChat accepts it.
    private const string SaveSql = """
        INSERT INTO official_menus (app_id, buttons, updated_at, updated_by, published_at, publish_error)
        VALUES (@appId, @buttons::jsonb, @now, @staffId, NULL, NULL)
        ON CONFLICT (app_id) DO UPDATE
        SET buttons = excluded.buttons, updated_at = excluded.updated_at, updated_by = excluded.updated_by, published_at = NULL, publish_error = NULL
        """;

    public async Task SaveAsync(string appId, string buttons, long? staffId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(SaveSql, new { appId, buttons, staffId, now = now.UtcDateTime }, cancellationToken: cancellationToken));
    }

    private const string PublishedSql = """
        UPDATE official_menus SET published_at = @publishedAt, publish_error = @error
        WHERE app_id = @appId AND updated_at = @version
        RETURNING *
        """;

    /// <summary>
    /// Records what WeChat said about the version saved at <paramref name="version"/>: published (no error),
    /// refused (<paramref name="error"/>) or deleted (neither). A newer save in between is left alone.
    /// </summary>
    public async Task<MenuRow?> SetPublishedAsync(
        string appId, DateTime version, DateTimeOffset? publishedAt, string? error, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<MenuRow>(new CommandDefinition(PublishedSql,
            new { appId, version, publishedAt = publishedAt?.UtcDateTime, error }, cancellationToken: cancellationToken));
    }
}
