using Dapper;
using Npgsql;

namespace WechatKepu.Data.Templates;

/// <summary>A template of the library (<c>wechat_templates</c>); <see cref="Fields"/> is JSON, parsed by the server.</summary>
public sealed record TemplateRow
{
    public long Id { get; init; }
    public string AppId { get; init; } = "";
    public string Channel { get; init; } = "";
    public string TemplateId { get; init; } = "";
    public string Title { get; init; } = "";
    public string Content { get; init; } = "";
    public string Example { get; init; } = "";
    public string? PrimaryIndustry { get; init; }
    public string? DeputyIndustry { get; init; }
    public int? SubscribeType { get; init; }
    public string Fields { get; init; } = "[]";
    public string[] FieldKeys { get; init; } = [];
    public DateTime SyncedAt { get; init; }
    public DateTime? GoneAt { get; init; }

    /// <summary>How many reminder topics name this template.</summary>
    public int Topics { get; init; }
}

/// <summary>A template as WeChat lists it now, its fields already parsed.</summary>
public sealed record TemplateSyncItem(string TemplateId, string Title, string Content, string Example, string? PrimaryIndustry,
    string? DeputyIndustry, int? SubscribeType, string FieldsJson, string[] FieldKeys);

/// <summary>The last sync of an account's list; <see cref="SyncedAt"/> null until one succeeded.</summary>
public sealed record TemplateSyncRow(string AppId, string Channel, DateTime? SyncedAt, DateTime AttemptedAt, string? Error);

/// <param name="Gone">Templates WeChat no longer lists that are kept (something names them).</param>
/// <param name="Deleted">Templates WeChat no longer lists that nothing named.</param>
public sealed record TemplateSyncOutcome(int Listed, int Added, int Gone, int Deleted);

/// <summary>The template library: what each account's template list held at its last sync.</summary>
public sealed class TemplateStore(NpgsqlDataSource dataSource)
{
    private const string Columns = """
        w.id, w.app_id, w.channel, w.template_id, w.title, w.content, w.example, w.primary_industry, w.deputy_industry, w.subscribe_type,
        w.fields::text AS fields, w.field_keys, w.synced_at, w.gone_at,
        (SELECT count(*)::int FROM reminder_topics t WHERE t.app_id = w.app_id AND t.template_id = w.template_id) AS topics
        """;

    private const string ListSql = "SELECT " + Columns + """
         FROM wechat_templates w
        WHERE (@appId::text IS NULL OR w.app_id = @appId) AND (@channel::text IS NULL OR w.channel = @channel)
        ORDER BY w.app_id, w.gone_at IS NOT NULL, w.title, w.id
        """;

    public async Task<IReadOnlyList<TemplateRow>> ListAsync(string? appId, string? channel, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<TemplateRow>(new CommandDefinition(ListSql, new { appId, channel }, cancellationToken: cancellationToken))).AsList();
    }

    private const string GetSql = "SELECT " + Columns + " FROM wechat_templates w WHERE w.id = @id";

    public async Task<TemplateRow?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<TemplateRow>(new CommandDefinition(GetSql, new { id }, cancellationToken: cancellationToken));
    }

    private const string FindSql = "SELECT " + Columns + " FROM wechat_templates w WHERE w.app_id = @appId AND w.template_id = @templateId";

    public async Task<TemplateRow?> FindAsync(string appId, string templateId, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<TemplateRow>(new CommandDefinition(FindSql, new { appId, templateId }, cancellationToken: cancellationToken));
    }

    private const string SyncsSql = "SELECT app_id, channel, synced_at, attempted_at, error FROM wechat_template_syncs ORDER BY app_id, channel";

    public async Task<IReadOnlyList<TemplateSyncRow>> SyncsAsync(CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<TemplateSyncRow>(new CommandDefinition(SyncsSql, cancellationToken: cancellationToken))).AsList();
    }

    // A template id stays with its account: WeChat never reuses one, and its content never changes, so an
    // upsert only refreshes what was listed and brings back one that had gone.
    private const string UpsertSql = """
        INSERT INTO wechat_templates (app_id, channel, template_id, title, content, example, primary_industry, deputy_industry,
                                      subscribe_type, fields, field_keys, first_seen_at, synced_at)
        SELECT @appId, @channel, i.template_id, i.title, i.content, i.example, i.primary_industry, i.deputy_industry, i.subscribe_type,
               i.fields::jsonb, ARRAY(SELECT jsonb_array_elements_text(i.field_keys::jsonb)), @now, @now
        FROM unnest(@templateIds, @titles, @contents, @examples, @primaries, @deputies, @types, @fields, @fieldKeys)
             AS i(template_id, title, content, example, primary_industry, deputy_industry, subscribe_type, fields, field_keys)
        ON CONFLICT (app_id, template_id) DO UPDATE
        SET channel = excluded.channel, title = excluded.title, content = excluded.content, example = excluded.example,
            primary_industry = excluded.primary_industry, deputy_industry = excluded.deputy_industry,
            subscribe_type = excluded.subscribe_type, fields = excluded.fields, field_keys = excluded.field_keys,
            synced_at = excluded.synced_at, gone_at = NULL
        RETURNING (xmax = 0) AS added
        """;

    private const string GoneSql = """
        UPDATE wechat_templates w SET gone_at = @now
        WHERE w.app_id = @appId AND w.channel = @channel AND w.gone_at IS NULL AND NOT (w.template_id = ANY (@templateIds))
        RETURNING w.id
        """;

    // Gone and named by nothing: a topic of the account, or a notice the configuration points at.
    private const string DeleteSql = """
        DELETE FROM wechat_templates w
        WHERE w.app_id = @appId AND w.channel = @channel AND w.gone_at IS NOT NULL AND NOT (w.template_id = ANY (@keep))
          AND NOT EXISTS (SELECT 1 FROM reminder_topics t WHERE t.app_id = w.app_id AND t.template_id = w.template_id)
        """;

    private const string SyncedSql = """
        INSERT INTO wechat_template_syncs (app_id, channel, synced_at, attempted_at, error) VALUES (@appId, @channel, @now, @now, NULL)
        ON CONFLICT (app_id, channel) DO UPDATE SET synced_at = @now, attempted_at = @now, error = NULL
        """;

    /// <summary>
    /// Makes the library hold what WeChat listed for the account, in one transaction: new and changed templates
    /// written, ones no longer listed marked gone (and deleted when neither a topic nor <paramref name="keep"/> names them).
    /// </summary>
    public async Task<TemplateSyncOutcome> SyncAsync(string appId, string channel, IReadOnlyList<TemplateSyncItem> items, IReadOnlyCollection<string> keep,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var at = now.UtcDateTime;
        var added = (await conn.QueryAsync<bool>(new CommandDefinition(UpsertSql, new
        {
            appId, channel, now = at,
            templateIds = items.Select(i => i.TemplateId).ToArray(),
            titles = items.Select(i => i.Title).ToArray(),
            contents = items.Select(i => i.Content).ToArray(),
            examples = items.Select(i => i.Example).ToArray(),
            primaries = items.Select(i => i.PrimaryIndustry).ToArray(),
            deputies = items.Select(i => i.DeputyIndustry).ToArray(),
            types = items.Select(i => i.SubscribeType).ToArray(),
            fields = items.Select(i => i.FieldsJson).ToArray(),
            fieldKeys = items.Select(i => System.Text.Json.JsonSerializer.Serialize(i.FieldKeys)).ToArray(),
        }, tx, cancellationToken: cancellationToken))).Count(a => a);
        var ids = items.Select(i => i.TemplateId).ToArray();
        var gone = (await conn.QueryAsync<long>(new CommandDefinition(GoneSql, new { appId, channel, templateIds = ids, now = at }, tx,
            cancellationToken: cancellationToken))).Count();
        var deleted = await conn.ExecuteAsync(new CommandDefinition(DeleteSql, new { appId, channel, keep = keep.ToArray() }, tx,
            cancellationToken: cancellationToken));
        await conn.ExecuteAsync(new CommandDefinition(SyncedSql, new { appId, channel, now = at }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return new TemplateSyncOutcome(items.Count, added, gone, deleted);
    }

    private const string FailedSql = """
        INSERT INTO wechat_template_syncs (app_id, channel, synced_at, attempted_at, error) VALUES (@appId, @channel, NULL, @now, @error)
        ON CONFLICT (app_id, channel) DO UPDATE SET attempted_at = @now, error = @error
        """;

    /// <summary>A sync WeChat refused: the library keeps what it had, and says why it is not current.</summary>
    public async Task RecordFailureAsync(string appId, string channel, string error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(FailedSql, new { appId, channel, error, now = now.UtcDateTime }, cancellationToken: cancellationToken));
    }
}
