using Dapper;
using Npgsql;
using WechatKepu.Data.Console;
using WechatKepu.Data.Staff;

namespace WechatKepu.Data.Broadcasts;

/// <summary>An image uploaded to WeChat: for an article's body (URL only) or a cover / image broadcast (permanent media_id).</summary>
public sealed record MediaAssetRow
{
    public long Id { get; init; }
    public string AppId { get; init; } = "";
    public string Purpose { get; init; } = "";
    public string? MediaId { get; init; }
    public string Url { get; init; } = "";
    public string FileName { get; init; } = "";
    public string ContentType { get; init; } = "";
    public int SizeBytes { get; init; }
    public string CreatedByName { get; init; } = "";
    public DateTime CreatedAt { get; init; }
}

public sealed record NewMediaAsset(string AppId, string Purpose, string? MediaId, string Url, string FileName, string ContentType, int SizeBytes);

/// <summary>An article (图文): kept here and in the account's draft box, then mass-sent or published.</summary>
public sealed record ArticleRow
{
    public long Id { get; init; }
    public string AppId { get; init; } = "";
    public string Title { get; init; } = "";
    public string? Author { get; init; }
    public string? Digest { get; init; }
    public string Content { get; init; } = "";
    public string? ContentSourceUrl { get; init; }
    public long CoverId { get; init; }
    public string CoverUrl { get; init; } = "";
    public string CoverMediaId { get; init; } = "";
    public bool NeedOpenComment { get; init; }
    public string DraftMediaId { get; init; } = "";
    public string PublishStatus { get; init; } = "";
    public string? PublishId { get; init; }
    public string? PublishError { get; init; }
    public string? PublishedUrl { get; init; }
    public DateTime? PublishedAt { get; init; }
    public string CreatedByName { get; init; } = "";
    public DateTime CreatedAt { get; init; }
}

public sealed record NewArticle(
    string AppId, string Title, string? Author, string? Digest, string Content, string? ContentSourceUrl, long CoverId, bool NeedOpenComment,
    string DraftMediaId);

/// <summary>Where a publish stands (<c>articles.publish_status</c>).</summary>
public static class PublishStatus
{
    public const string None = "none";
    public const string Publishing = "publishing";
    public const string Published = "published";
    public const string Failed = "failed";
}

/// <summary>Uploaded images and articles; every write audited in its transaction.</summary>
public sealed class ArticleStore(NpgsqlDataSource dataSource, AuditLog audit)
{
    private const string InsertAssetSql = """
        INSERT INTO media_assets (app_id, purpose, media_id, url, file_name, content_type, size_bytes, created_by, created_by_name, created_at)
        VALUES (@AppId, @Purpose, @MediaId, @Url, @FileName, @ContentType, @SizeBytes, @by, @byName, @now)
        RETURNING id
        """;

    public async Task<long> AddAssetAsync(NewMediaAsset asset, StaffActor actor, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var p = new DynamicParameters(asset);
        p.AddDynamicParams(new { by = actor.Id, byName = actor.Name, now = now.UtcDateTime });
        var id = await conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertAssetSql, p, tx, cancellationToken: ct));
        await audit.WriteAsync(actor.Id, actor.Name, "media.upload", $"media:{id}", new { asset.Purpose, asset.FileName, asset.SizeBytes }, now, ct, conn, tx);
        await tx.CommitAsync(ct);
        return id;
    }

    private const string AssetColumns = "id, app_id, purpose, media_id, url, file_name, content_type, size_bytes, created_by_name, created_at";

    public async Task<MediaAssetRow?> AssetAsync(long id, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<MediaAssetRow>(new CommandDefinition(
            $"SELECT {AssetColumns} FROM media_assets WHERE id = @id", new { id }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<MediaAssetRow>> AssetsAsync(string appId, string? purpose, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<MediaAssetRow>(new CommandDefinition(
            $"SELECT {AssetColumns} FROM media_assets WHERE app_id = @appId AND (@purpose::text IS NULL OR purpose = @purpose) ORDER BY id DESC LIMIT 200",
            new { appId, purpose }, cancellationToken: ct))).ToList();
    }

    /// <summary>The body-image URLs of <paramref name="urls"/> that were not uploaded for this account (an article may show only its own).</summary>
    public async Task<IReadOnlyList<string>> ForeignImagesAsync(string appId, IReadOnlyList<string> urls, CancellationToken ct)
    {
        if (urls.Count == 0)
        {
            return [];
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var known = (await conn.QueryAsync<string>(new CommandDefinition(
            "SELECT url FROM media_assets WHERE app_id = @appId AND url = ANY (@urls)", new { appId, urls = urls.ToArray() }, cancellationToken: ct))).ToHashSet();
        return urls.Where(u => !known.Contains(u)).Distinct().ToList();
    }

    private const string InsertArticleSql = """
        INSERT INTO articles (app_id, title, author, digest, content, content_source_url, cover_id, need_open_comment, draft_media_id,
                              created_by, created_by_name, created_at, updated_at)
        VALUES (@AppId, @Title, @Author, @Digest, @Content, @ContentSourceUrl, @CoverId, @NeedOpenComment, @DraftMediaId, @by, @byName, @now, @now)
        RETURNING id
        """;

    public async Task<long> AddArticleAsync(NewArticle article, StaffActor actor, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var p = new DynamicParameters(article);
        p.AddDynamicParams(new { by = actor.Id, byName = actor.Name, now = now.UtcDateTime });
        var id = await conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertArticleSql, p, tx, cancellationToken: ct));
        await audit.WriteAsync(actor.Id, actor.Name, "article.create", $"article:{id}", new { article.Title, article.DraftMediaId }, now, ct, conn, tx);
        await tx.CommitAsync(ct);
        return id;
    }

    private const string ArticleColumns = """
        a.id, a.app_id, a.title, a.author, a.digest, a.content, a.content_source_url, a.cover_id, m.url AS cover_url, m.media_id AS cover_media_id,
        a.need_open_comment, a.draft_media_id, a.publish_status, a.publish_id, a.publish_error, a.published_url, a.published_at,
        a.created_by_name, a.created_at
        """;

    public async Task<ArticleRow?> ArticleAsync(long id, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<ArticleRow>(new CommandDefinition(
            $"SELECT {ArticleColumns} FROM articles a JOIN media_assets m ON m.id = a.cover_id WHERE a.id = @id", new { id }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<ArticleRow>> ArticlesAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<ArticleRow>(new CommandDefinition(
            $"SELECT {ArticleColumns} FROM articles a JOIN media_assets m ON m.id = a.cover_id ORDER BY a.id DESC LIMIT 200", cancellationToken: ct))).ToList();
    }

    private const string StartPublishSql = $"""
        UPDATE articles SET publish_status = '{PublishStatus.Publishing}', publish_id = @publishId, publish_error = NULL, updated_at = @now
        WHERE id = @id AND publish_status IN ('{PublishStatus.None}', '{PublishStatus.Failed}')
        RETURNING id
        """;

    /// <summary>Records freepublish/submit's publish_id; false when the article was already publishing or published.</summary>
    public async Task<bool> StartPublishAsync(long id, string publishId, StaffActor actor, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var started = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(StartPublishSql,
            new { id, publishId, now = now.UtcDateTime }, tx, cancellationToken: ct)) is not null;
        if (started)
        {
            await audit.WriteAsync(actor.Id, actor.Name, "article.publish", $"article:{id}", new { publishId }, now, ct, conn, tx);
        }

        await tx.CommitAsync(ct);
        return started;
    }

    public async Task RecordPublishRefusedAsync(long id, string error, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(
            $"UPDATE articles SET publish_status = '{PublishStatus.Failed}', publish_error = @error, updated_at = @now WHERE id = @id AND publish_status <> '{PublishStatus.Published}'",
            new { id, error, now = now.UtcDateTime }, cancellationToken: ct));
    }

    private const string PublishFinishedSql = $"""
        UPDATE articles
        SET publish_status = CASE WHEN @ok THEN '{PublishStatus.Published}' ELSE '{PublishStatus.Failed}' END,
            publish_error = @error, published_url = @url, published_at = CASE WHEN @ok THEN @now END, updated_at = @now
        WHERE app_id = @appId AND publish_id = @publishId AND publish_status = '{PublishStatus.Publishing}'
        RETURNING id
        """;

    /// <summary>Applies PUBLISHJOBFINISH to the article that <paramref name="publishId"/> publishes; null when none is publishing with it.</summary>
    public async Task<long?> RecordPublishFinishedAsync(string appId, string publishId, bool ok, string? url, string? error, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<long?>(new CommandDefinition(PublishFinishedSql,
            new { appId, publishId, ok, url, error, now = now.UtcDateTime }, cancellationToken: ct));
    }
}
