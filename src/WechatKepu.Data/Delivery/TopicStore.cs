using Dapper;
using Npgsql;

namespace WechatKepu.Data.Delivery;

public sealed record TopicRow
{
    public long Id { get; init; }
    public string AppId { get; init; } = "";
    public string Name { get; init; } = "";
    public string Description { get; init; } = "";
    public long? ActivityId { get; init; }
    public string TemplateId { get; init; } = "";
    public int OffsetMinutes { get; init; }
    public string? Url { get; init; }
    public bool Enabled { get; init; }
    public int Subscribers { get; init; }

    /// <summary>JSON: which content goes into each template field (<c>{"thing1":"activity"}</c>); null until chosen.</summary>
    public string? TemplateFields { get; init; }

    /// <summary>The template can carry the topic's rounds (<c>topic_template_usable</c>): false means the topic is not offered.</summary>
    public bool TemplateUsable { get; init; }

    /// <summary>The account's template list has been synced, so the library can say what is wrong with the template.</summary>
    public bool LibrarySynced { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

public sealed record RoundRow(long Id, long TopicId, string Title, DateTime StartsAt, string Status, DateTime CreatedAt, DateTime UpdatedAt);

/// <param name="TemplateFields">JSON of what goes into each template field, or null.</param>
public sealed record TopicInput(string AppId, string Name, string Description, long? ActivityId, string TemplateId, int OffsetMinutes, string? Url, bool Enabled,
    string? TemplateFields = null);

public enum TopicWriteOutcome { Ok, NotFound, DuplicateName, UnknownActivity }

/// <summary>Reminder topics and their rounds, as staff define them; followers subscribe through the callback's commands.</summary>
public sealed class TopicStore(NpgsqlDataSource dataSource)
{
    private const string TopicColumns = """
        t.id, t.app_id, t.name, t.description, t.activity_id, t.template_id, t.offset_minutes, t.url, t.enabled, t.created_at, t.updated_at,
        t.template_fields::text AS template_fields, topic_template_usable(t.app_id, t.template_id, t.template_fields) AS template_usable,
        EXISTS (SELECT 1 FROM wechat_template_syncs s WHERE s.app_id = t.app_id AND s.channel = 'oa_template' AND s.synced_at IS NOT NULL) AS library_synced,
        (SELECT count(*)::int FROM topic_subscriptions ts JOIN followers f ON f.id = ts.follower_id
         WHERE ts.topic_id = t.id AND ts.unsubscribed_at IS NULL AND f.subscribed) AS subscribers
        """;

    private const string ListSql = "SELECT " + TopicColumns + " FROM reminder_topics t ORDER BY t.id";

    private const string GetSql = "SELECT " + TopicColumns + " FROM reminder_topics t WHERE t.id = @id";

    private const string RoundsSql = """
        SELECT id, topic_id, title, starts_at, status, created_at, updated_at FROM reminder_topic_rounds
        WHERE topic_id = ANY (@ids) ORDER BY starts_at, id
        """;

    public async Task<(IReadOnlyList<TopicRow> Topics, IReadOnlyList<RoundRow> Rounds)> ListAsync(CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        var topics = (await conn.QueryAsync<TopicRow>(new CommandDefinition(ListSql, cancellationToken: cancellationToken))).AsList();
        var rounds = (await conn.QueryAsync<RoundRow>(new CommandDefinition(RoundsSql,
            new { ids = topics.Select(t => t.Id).ToArray() }, cancellationToken: cancellationToken))).AsList();
        return (topics, rounds);
    }

    public async Task<(TopicRow? Topic, IReadOnlyList<RoundRow> Rounds)> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        var topic = await conn.QuerySingleOrDefaultAsync<TopicRow>(new CommandDefinition(GetSql, new { id }, cancellationToken: cancellationToken));
        var rounds = topic is null ? [] : (await conn.QueryAsync<RoundRow>(new CommandDefinition(RoundsSql,
            new { ids = new[] { id } }, cancellationToken: cancellationToken))).AsList();
        return (topic, rounds);
    }

    private const string InsertSql = """
        INSERT INTO reminder_topics (app_id, name, description, activity_id, template_id, template_fields, offset_minutes, url, enabled, created_at, updated_at)
        VALUES (@AppId, @Name, @Description, @ActivityId, @TemplateId, @TemplateFields::jsonb, @OffsetMinutes, @Url, @Enabled, @now, @now)
        ON CONFLICT (app_id, name) DO NOTHING
        RETURNING id
        """;

    private const string UpdateSql = """
        UPDATE reminder_topics
        SET app_id = @AppId, name = @Name, description = @Description, activity_id = @ActivityId, template_id = @TemplateId,
            template_fields = @TemplateFields::jsonb,
            offset_minutes = @OffsetMinutes, url = @Url, enabled = @Enabled, updated_at = @now
        WHERE id = @id
        """;

    private const string ActivityExistsSql = "SELECT EXISTS (SELECT 1 FROM activities WHERE id = @ActivityId)";

    private const string NameTakenSql = "SELECT EXISTS (SELECT 1 FROM reminder_topics WHERE app_id = @AppId AND name = @Name AND id <> @id)";

    public async Task<(TopicWriteOutcome Outcome, long Id)> CreateAsync(TopicInput input, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        if (input.ActivityId is not null && !await conn.ExecuteScalarAsync<bool>(new CommandDefinition(ActivityExistsSql, input, cancellationToken: cancellationToken)))
        {
            return (TopicWriteOutcome.UnknownActivity, 0);
        }

        var id = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(InsertSql, Args(input, 0, now), cancellationToken: cancellationToken));
        return id is { } created ? (TopicWriteOutcome.Ok, created) : (TopicWriteOutcome.DuplicateName, 0);
    }

    public async Task<TopicWriteOutcome> UpdateAsync(long id, TopicInput input, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        if (input.ActivityId is not null && !await conn.ExecuteScalarAsync<bool>(new CommandDefinition(ActivityExistsSql, input, cancellationToken: cancellationToken)))
        {
            return TopicWriteOutcome.UnknownActivity;
        }

        if (await conn.ExecuteScalarAsync<bool>(new CommandDefinition(NameTakenSql, Args(input, id, now), cancellationToken: cancellationToken)))
        {
            return TopicWriteOutcome.DuplicateName;
        }

        return await conn.ExecuteAsync(new CommandDefinition(UpdateSql, Args(input, id, now), cancellationToken: cancellationToken)) > 0
            ? TopicWriteOutcome.Ok
            : TopicWriteOutcome.NotFound;
    }

    private static object Args(TopicInput input, long id, DateTimeOffset now) => new
    {
        id, input.AppId, input.Name, input.Description, input.ActivityId, input.TemplateId, input.TemplateFields, input.OffsetMinutes, input.Url, input.Enabled,
        now = now.UtcDateTime,
    };

    private const string AddRoundSql = """
        INSERT INTO reminder_topic_rounds (topic_id, title, starts_at, created_at, updated_at)
        SELECT id, @title, @startsAt, @now, @now FROM reminder_topics WHERE id = @topicId
        RETURNING id, topic_id, title, starts_at, status, created_at, updated_at
        """;

    public async Task<RoundRow?> AddRoundAsync(long topicId, string title, DateTimeOffset startsAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<RoundRow>(new CommandDefinition(AddRoundSql,
            new { topicId, title, startsAt = startsAt.UtcDateTime, now = now.UtcDateTime }, cancellationToken: cancellationToken));
    }

    // Moving a round changes its campaign source: the reminder planner cancels what was planned for the old time.
    private const string UpdateRoundSql = """
        UPDATE reminder_topic_rounds SET title = @title, starts_at = @startsAt, updated_at = @now
        WHERE id = @roundId AND topic_id = @topicId AND status = 'scheduled'
        RETURNING id, topic_id, title, starts_at, status, created_at, updated_at
        """;

    public async Task<RoundRow?> UpdateRoundAsync(long topicId, long roundId, string title, DateTimeOffset startsAt, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<RoundRow>(new CommandDefinition(UpdateRoundSql,
            new { topicId, roundId, title, startsAt = startsAt.UtcDateTime, now = now.UtcDateTime }, cancellationToken: cancellationToken));
    }

    private const string CancelRoundSql = """
        UPDATE reminder_topic_rounds SET status = 'cancelled', updated_at = @now
        WHERE id = @roundId AND topic_id = @topicId
        """;

    public async Task<bool> CancelRoundAsync(long topicId, long roundId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition(CancelRoundSql, new { topicId, roundId, now = now.UtcDateTime }, cancellationToken: cancellationToken)) > 0;
    }

    private const string SeedSql = """
        INSERT INTO reminder_topics (app_id, name, description, activity_id, offset_minutes, created_at, updated_at)
        SELECT @appId, @name, @description, (SELECT id FROM activities WHERE code = @activityCode), 1440, @now, @now
        ON CONFLICT (app_id, name) DO NOTHING
        """;

    /// <summary>Creates a topic unless the account has one of that name (staff edits are kept).</summary>
    public async Task<bool> SeedAsync(string appId, string name, string description, string activityCode, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition(SeedSql,
            new { appId, name, description, activityCode, now = now.UtcDateTime }, cancellationToken: cancellationToken)) > 0;
    }
}
