using Dapper;
using Npgsql;

namespace WechatKepu.Data.Callback;

/// <summary>
/// A keyword rule. <c>ReplyKind</c>: text (<c>ReplyText</c>), image (<c>MediaAssetId</c>: an uploaded cover image,
/// whose permanent <c>MediaId</c> and <c>MediaUrl</c> are read with it) or news (one article: <c>News*</c>).
/// </summary>
public sealed record ReplyRuleRow(
    long Id, string AppId, string Keyword, string MatchKind, string? ReplyText, int Priority, bool Enabled,
    DateTime? ActiveFrom, DateTime? ActiveUntil, DateTime CreatedAt, DateTime UpdatedAt,
    string ReplyKind, long? MediaAssetId, string? NewsTitle, string? NewsDescription, string? NewsUrl, string? NewsPicUrl,
    string? MediaId, string? MediaUrl);

/// <summary>What a rule's reply is made of.</summary>
public static class ReplyKinds
{
    public const string Text = "text";
    public const string Image = "image";
    public const string News = "news";
}

public sealed record ReplyRuleInput(
    string Keyword, string MatchKind, string? ReplyText, int Priority, bool Enabled, DateTimeOffset? ActiveFrom, DateTimeOffset? ActiveUntil,
    string ReplyKind = ReplyKinds.Text, long? MediaAssetId = null, string? NewsTitle = null, string? NewsDescription = null, string? NewsUrl = null,
    string? NewsPicUrl = null);

public sealed record ReplySettingsRow(string AppId, string? WelcomeText, string? DefaultText, DateTime UpdatedAt);

/// <summary>
/// Keyword rules and the welcome/default texts. Every change notifies <see cref="Channel"/> in its
/// transaction, so every instance's in-memory copy reloads once the change is committed.
/// </summary>
public sealed class ReplyRuleStore(NpgsqlDataSource dataSource)
{
    /// <summary>The LISTEN/NOTIFY channel; the payload is the appId.</summary>
    public const string Channel = "kepu_reply_rules";

    private const string NotifySql = "SELECT pg_notify('kepu_reply_rules', @appId)";

    // A rule with its image's media_id and URL (image replies); written rows are read back the same way.
    private const string RuleColumns = "r.*, m.media_id, m.url AS media_url";
    private const string WithMedia = $"SELECT {RuleColumns} FROM w r LEFT JOIN media_assets m ON m.id = r.media_asset_id";

    private const string AllRulesSql = $"SELECT {RuleColumns} FROM reply_rules r LEFT JOIN media_assets m ON m.id = r.media_asset_id ORDER BY r.app_id, r.priority DESC, r.id";
    private const string AllSettingsSql = "SELECT * FROM reply_settings";

    /// <summary>Everything, for the in-memory cache.</summary>
    public async Task<(IReadOnlyList<ReplyRuleRow> Rules, IReadOnlyList<ReplySettingsRow> Settings)> LoadAllAsync(CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        var rules = (await conn.QueryAsync<ReplyRuleRow>(new CommandDefinition(AllRulesSql, cancellationToken: cancellationToken))).ToList();
        var settings = (await conn.QueryAsync<ReplySettingsRow>(new CommandDefinition(AllSettingsSql, cancellationToken: cancellationToken))).ToList();
        return (rules, settings);
    }

    private const string ListSql = $"SELECT {RuleColumns} FROM reply_rules r LEFT JOIN media_assets m ON m.id = r.media_asset_id WHERE r.app_id = @appId ORDER BY r.priority DESC, r.id";

    public async Task<IReadOnlyList<ReplyRuleRow>> ListAsync(string appId, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<ReplyRuleRow>(new CommandDefinition(ListSql, new { appId }, cancellationToken: cancellationToken))).ToList();
    }

    private const string GetSql = $"SELECT {RuleColumns} FROM reply_rules r LEFT JOIN media_assets m ON m.id = r.media_asset_id WHERE r.app_id = @appId AND r.id = @id";

    public async Task<ReplyRuleRow?> GetAsync(string appId, long id, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<ReplyRuleRow>(new CommandDefinition(GetSql, new { appId, id }, cancellationToken: cancellationToken));
    }

    private const string InsertSql = $"""
        WITH w AS (
            INSERT INTO reply_rules (app_id, keyword, match_kind, reply_text, priority, enabled, active_from, active_until, created_at, updated_at,
                                     reply_kind, media_asset_id, news_title, news_description, news_url, news_pic_url)
            VALUES (@appId, @Keyword, @MatchKind, @ReplyText, @Priority, @Enabled, @from, @until, @now, @now,
                    @ReplyKind, @MediaAssetId, @NewsTitle, @NewsDescription, @NewsUrl, @NewsPicUrl)
            RETURNING *)
        {WithMedia}
        """;

    public Task<ReplyRuleRow> CreateAsync(string appId, ReplyRuleInput input, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(appId, InsertSql, Args(appId, null, input, now), cancellationToken)!;

    private const string UpdateSql = $"""
        WITH w AS (
            UPDATE reply_rules SET keyword = @Keyword, match_kind = @MatchKind, reply_text = @ReplyText, priority = @Priority,
                enabled = @Enabled, active_from = @from, active_until = @until, updated_at = @now,
                reply_kind = @ReplyKind, media_asset_id = @MediaAssetId, news_title = @NewsTitle, news_description = @NewsDescription,
                news_url = @NewsUrl, news_pic_url = @NewsPicUrl
            WHERE app_id = @appId AND id = @id
            RETURNING *)
        {WithMedia}
        """;

    /// <returns>Null when there is no such rule.</returns>
    public Task<ReplyRuleRow?> UpdateAsync(string appId, long id, ReplyRuleInput input, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(appId, UpdateSql, Args(appId, id, input, now), cancellationToken);

    private const string DeleteSql = $"WITH w AS (DELETE FROM reply_rules WHERE app_id = @appId AND id = @id RETURNING *) {WithMedia}";

    /// <returns>False when there is no such rule.</returns>
    public async Task<bool> DeleteAsync(string appId, long id, CancellationToken cancellationToken) =>
        await WriteAsync(appId, DeleteSql, new { appId, id }, cancellationToken) is not null;

    private const string GetSettingsSql = "SELECT * FROM reply_settings WHERE app_id = @appId";

    public async Task<ReplySettingsRow?> GetSettingsAsync(string appId, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<ReplySettingsRow>(new CommandDefinition(GetSettingsSql, new { appId }, cancellationToken: cancellationToken));
    }

    private const string SaveSettingsSql = """
        INSERT INTO reply_settings (app_id, welcome_text, default_text, updated_at) VALUES (@appId, @welcome, @fallback, @now)
        ON CONFLICT (app_id) DO UPDATE SET welcome_text = @welcome, default_text = @fallback, updated_at = @now
        RETURNING *
        """;

    public async Task<ReplySettingsRow> SaveSettingsAsync(string appId, string? welcome, string? fallback, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await WriteSettingsAsync(appId, new { appId, welcome, fallback, now = now.UtcDateTime }, cancellationToken))!;

    private Task<ReplySettingsRow?> WriteSettingsAsync(string appId, object args, CancellationToken cancellationToken) =>
        WriteAsync<ReplySettingsRow>(appId, SaveSettingsSql, args, cancellationToken);

    private Task<ReplyRuleRow?> WriteAsync(string appId, string sql, object args, CancellationToken cancellationToken) =>
        WriteAsync<ReplyRuleRow>(appId, sql, args, cancellationToken);

    /// <summary>Runs one write and the notification in one transaction: listeners hear of committed changes only.</summary>
    private async Task<T?> WriteAsync<T>(string appId, string sql, object args, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<T>(new CommandDefinition(sql, args, tx, cancellationToken: cancellationToken));
        await conn.ExecuteAsync(new CommandDefinition(NotifySql, new { appId }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return row;
    }

    private static object Args(string appId, long? id, ReplyRuleInput input, DateTimeOffset now) => new
    {
        appId, id, input.Keyword, input.MatchKind, input.ReplyText, input.Priority, input.Enabled,
        input.ReplyKind, input.MediaAssetId, input.NewsTitle, input.NewsDescription, input.NewsUrl, input.NewsPicUrl,
        from = input.ActiveFrom?.UtcDateTime, until = input.ActiveUntil?.UtcDateTime, now = now.UtcDateTime,
    };
}
