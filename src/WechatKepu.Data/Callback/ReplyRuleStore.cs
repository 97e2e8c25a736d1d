using Dapper;
using Npgsql;

namespace WechatKepu.Data.Callback;

public sealed record ReplyRuleRow(
    long Id, string AppId, string Keyword, string MatchKind, string ReplyText, int Priority, bool Enabled,
    DateTime? ActiveFrom, DateTime? ActiveUntil, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record ReplyRuleInput(
    string Keyword, string MatchKind, string ReplyText, int Priority, bool Enabled, DateTimeOffset? ActiveFrom, DateTimeOffset? ActiveUntil);

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

    private const string AllRulesSql = "SELECT * FROM reply_rules ORDER BY app_id, priority DESC, id";
    private const string AllSettingsSql = "SELECT * FROM reply_settings";

    /// <summary>Everything, for the in-memory cache.</summary>
    public async Task<(IReadOnlyList<ReplyRuleRow> Rules, IReadOnlyList<ReplySettingsRow> Settings)> LoadAllAsync(CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        var rules = (await conn.QueryAsync<ReplyRuleRow>(new CommandDefinition(AllRulesSql, cancellationToken: cancellationToken))).ToList();
        var settings = (await conn.QueryAsync<ReplySettingsRow>(new CommandDefinition(AllSettingsSql, cancellationToken: cancellationToken))).ToList();
        return (rules, settings);
    }

    private const string ListSql = "SELECT * FROM reply_rules WHERE app_id = @appId ORDER BY priority DESC, id";

    public async Task<IReadOnlyList<ReplyRuleRow>> ListAsync(string appId, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<ReplyRuleRow>(new CommandDefinition(ListSql, new { appId }, cancellationToken: cancellationToken))).ToList();
    }

    private const string GetSql = "SELECT * FROM reply_rules WHERE app_id = @appId AND id = @id";

    public async Task<ReplyRuleRow?> GetAsync(string appId, long id, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<ReplyRuleRow>(new CommandDefinition(GetSql, new { appId, id }, cancellationToken: cancellationToken));
    }

    private const string InsertSql = """
        INSERT INTO reply_rules (app_id, keyword, match_kind, reply_text, priority, enabled, active_from, active_until, created_at, updated_at)
        VALUES (@appId, @Keyword, @MatchKind, @ReplyText, @Priority, @Enabled, @from, @until, @now, @now)
        RETURNING *
        """;

    public Task<ReplyRuleRow> CreateAsync(string appId, ReplyRuleInput input, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(appId, InsertSql, Args(appId, null, input, now), cancellationToken)!;

    private const string UpdateSql = """
        UPDATE reply_rules SET keyword = @Keyword, match_kind = @MatchKind, reply_text = @ReplyText, priority = @Priority,
            enabled = @Enabled, active_from = @from, active_until = @until, updated_at = @now
        WHERE app_id = @appId AND id = @id
        RETURNING *
        """;

    /// <returns>Null when there is no such rule.</returns>
    public Task<ReplyRuleRow?> UpdateAsync(string appId, long id, ReplyRuleInput input, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(appId, UpdateSql, Args(appId, id, input, now), cancellationToken);

    private const string DeleteSql = "DELETE FROM reply_rules WHERE app_id = @appId AND id = @id RETURNING *";

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
        from = input.ActiveFrom?.UtcDateTime, until = input.ActiveUntil?.UtcDateTime, now = now.UtcDateTime,
    };
}
