using Dapper;
using Npgsql;

namespace WechatKepu.Data.Followers;

/// <summary>A follower (properties rather than a constructor: Dapper maps integer[] to int[] through setters).</summary>
public sealed record FollowerRow
{
    public long Id { get; init; }
    public string AppId { get; init; } = "";
    public string Openid { get; init; } = "";
    public string? Unionid { get; init; }
    public bool Subscribed { get; init; }
    public DateTime? SubscribedAt { get; init; }
    public DateTime? UnsubscribedAt { get; init; }
    public DateTime? FirstSubscribedAt { get; init; }
    public string? SubscribeScene { get; init; }
    public string? QrScene { get; init; }
    public string? Language { get; init; }
    public string? Remark { get; init; }
    public int[] TagIds { get; init; } = [];
    public DateTime? ProfileFetchedAt { get; init; }
    public DateTime? LastMessageAt { get; init; }
    public DateTime? NotFollowingAt { get; init; }
}

public sealed record FollowerEventRow(long Id, long FollowerId, string Kind, string? QrScene, DateTime At);

/// <summary>The profile fields user/info fills in.</summary>
public sealed record FollowerProfile(string? UnionId, string? Language, string? Remark, int[] TagIds, string? SubscribeScene);

public enum TopicChange
{
    /// <summary>No enabled topic of that name.</summary>
    UnknownTopic,

    /// <summary>The subscription changed.</summary>
    Changed,

    /// <summary>It already was so.</summary>
    Unchanged,

    /// <summary>The topic has no template to send with: nothing would ever arrive, so no one may subscribe.</summary>
    NoChannel,
}

/// <summary>
/// Followers of the official accounts: (re)subscriptions and their history, profiles, and their reminder
/// topics. The callback's writes are static and take the caller's transaction, which holds the inbound
/// row's lock: that is what makes each event count once.
/// </summary>
public sealed class FollowerStore(NpgsqlDataSource dataSource)
{
    // Every CTE sees the same snapshot, so `prev` is the row before this statement changed it.
    private const string SubscribeSql = """
        WITH prev AS (
            SELECT first_subscribed_at FROM followers WHERE app_id = @appId AND openid = @openId
        ), up AS (
            INSERT INTO followers (app_id, openid, subscribed, subscribed_at, first_subscribed_at, qr_scene, created_at, updated_at)
            VALUES (@appId, @openId, true, @at, @at, @scene, @at, @at)
            ON CONFLICT (app_id, openid) DO UPDATE
            SET subscribed = true, subscribed_at = @at, unsubscribed_at = NULL, not_following_at = NULL,
                first_subscribed_at = COALESCE(followers.first_subscribed_at, @at), qr_scene = @scene, updated_at = @at
            RETURNING id
        )
        INSERT INTO follower_events (follower_id, kind, qr_scene, at)
        SELECT up.id, CASE WHEN (SELECT first_subscribed_at FROM prev) IS NULL THEN 'subscribe' ELSE 'resubscribe' END, @scene, @at
        FROM up
        RETURNING kind
        """;

    /// <summary>A (re-)subscription, by QR code when <paramref name="qrScene"/> is set.</summary>
    /// <returns>subscribe or resubscribe.</returns>
    public static Task<string> SubscribeAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, string appId, string openId, string? qrScene, DateTimeOffset at, CancellationToken cancellationToken) =>
        conn.ExecuteScalarAsync<string>(new CommandDefinition(SubscribeSql,
            new { appId, openId, scene = qrScene, at = at.UtcDateTime }, tx, cancellationToken: cancellationToken))!;

    // Nothing is deleted: the row stays, flagged, with its history and topic subscriptions.
    private const string UnsubscribeSql = """
        WITH up AS (
            UPDATE followers SET subscribed = false, unsubscribed_at = @at, updated_at = @at
            WHERE app_id = @appId AND openid = @openId
            RETURNING id
        )
        INSERT INTO follower_events (follower_id, kind, at) SELECT id, 'unsubscribe', @at FROM up
        """;

    public static Task UnsubscribeAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, string appId, string openId, DateTimeOffset at, CancellationToken cancellationToken) =>
        conn.ExecuteAsync(new CommandDefinition(UnsubscribeSql, new { appId, openId, at = at.UtcDateTime }, tx, cancellationToken: cancellationToken));

    private const string EnsureSql = """
        INSERT INTO followers (app_id, openid, subscribed, created_at, updated_at) VALUES (@appId, @openId, true, @at, @at)
        ON CONFLICT (app_id, openid) DO UPDATE SET updated_at = followers.updated_at
        RETURNING id
        """;

    /// <summary>
    /// The follower's id, creating the row for someone who followed before this system knew of it (their
    /// message proves they follow).
    /// </summary>
    public static Task<long> EnsureAsync(
        NpgsqlConnection conn, NpgsqlTransaction? tx, string appId, string openId, DateTimeOffset at, CancellationToken cancellationToken) =>
        conn.ExecuteScalarAsync<long>(new CommandDefinition(EnsureSql, new { appId, openId, at = at.UtcDateTime }, tx, cancellationToken: cancellationToken));

    private const string ScanSql = """
        INSERT INTO follower_events (follower_id, kind, qr_scene, at) VALUES (@followerId, 'scan', @scene, @at)
        """;

    /// <summary>A follower scanned one of our QR codes.</summary>
    public static async Task ScanAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, string appId, string openId, string? scene, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var followerId = await EnsureAsync(conn, tx, appId, openId, at, cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(ScanSql, new { followerId, scene, at = at.UtcDateTime }, tx, cancellationToken: cancellationToken));
    }

    // A topic can send only with a usable template (Migrations/Routines/topic_template_usable.sql): without one it is
    // not offered and cannot be subscribed to.
    internal const string CanSendSql = "topic_template_usable(app_id, template_id, template_fields)";

    private const string TopicIdSql = "SELECT id, " + CanSendSql + " AS can_send FROM reminder_topics WHERE app_id = @appId AND name = @name AND enabled";

    private const string SubscribeTopicSql = """
        INSERT INTO topic_subscriptions (topic_id, follower_id, subscribed_at) VALUES (@topicId, @followerId, @at)
        ON CONFLICT (topic_id, follower_id) DO UPDATE SET subscribed_at = @at, unsubscribed_at = NULL
        WHERE topic_subscriptions.unsubscribed_at IS NOT NULL
        RETURNING 1
        """;

    private const string UnsubscribeTopicSql = """
        UPDATE topic_subscriptions SET unsubscribed_at = @at
        WHERE topic_id = @topicId AND follower_id = @followerId AND unsubscribed_at IS NULL
        RETURNING 1
        """;

    /// <summary>订阅 / 退订 a reminder topic by its exact name.</summary>
    public static async Task<TopicChange> ChangeTopicAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, string appId, long followerId, string topicName, bool subscribe,
        DateTimeOffset at, CancellationToken cancellationToken)
    {
        var topic = await conn.QuerySingleOrDefaultAsync<(long Id, bool CanSend)?>(
            new CommandDefinition(TopicIdSql, new { appId, name = topicName }, tx, cancellationToken: cancellationToken));
        if (topic is not { } found)
        {
            return TopicChange.UnknownTopic;
        }

        if (subscribe && !found.CanSend)
        {
            return TopicChange.NoChannel;
        }

        var topicId = found.Id;

        var changed = await conn.ExecuteScalarAsync<int?>(new CommandDefinition(subscribe ? SubscribeTopicSql : UnsubscribeTopicSql,
            new { topicId, followerId, at = at.UtcDateTime }, tx, cancellationToken: cancellationToken));
        return changed is null ? TopicChange.Unchanged : TopicChange.Changed;
    }

    private const string MyTopicsSql = """
        SELECT t.name FROM topic_subscriptions s JOIN reminder_topics t ON t.id = s.topic_id
        WHERE s.follower_id = @followerId AND s.unsubscribed_at IS NULL AND t.enabled
        ORDER BY t.name
        """;

    /// <summary>Names of the enabled topics the follower is subscribed to.</summary>
    public static async Task<IReadOnlyList<string>> MyTopicsAsync(
        NpgsqlConnection conn, NpgsqlTransaction? tx, long followerId, CancellationToken cancellationToken) =>
        (await conn.QueryAsync<string>(new CommandDefinition(MyTopicsSql, new { followerId }, tx, cancellationToken: cancellationToken))).ToList();

    private const string TopicsSql = "SELECT name FROM reminder_topics WHERE app_id = @appId AND enabled AND " + CanSendSql + " ORDER BY name";

    /// <summary>Names of the account's topics followers can subscribe to (enabled, with a template).</summary>
    public static async Task<IReadOnlyList<string>> TopicsAsync(
        NpgsqlConnection conn, NpgsqlTransaction? tx, string appId, CancellationToken cancellationToken) =>
        (await conn.QueryAsync<string>(new CommandDefinition(TopicsSql, new { appId }, tx, cancellationToken: cancellationToken))).ToList();

    private const string ProfileSql = """
        UPDATE followers SET unionid = COALESCE(@UnionId, unionid), language = @Language, remark = @Remark, tag_ids = @TagIds,
            subscribe_scene = COALESCE(@SubscribeScene, subscribe_scene), profile_fetched_at = @at, updated_at = @at
        WHERE app_id = @appId AND openid = @openId
        """;

    /// <summary>Fills in what user/info returned.</summary>
    /// <returns>False when there is no such follower.</returns>
    public async Task<bool> SaveProfileAsync(string appId, string openId, FollowerProfile profile, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition(ProfileSql, new
        {
            appId, openId, profile.UnionId, profile.Language, profile.Remark, profile.TagIds, profile.SubscribeScene, at = at.UtcDateTime,
        }, cancellationToken: cancellationToken)) == 1;
    }

    private const string MarkNotFollowingSql = """
        UPDATE followers SET not_following_at = @at, updated_at = @at WHERE app_id = @appId AND openid = @openId
        """;

    /// <summary>WeChat says the user does not follow (user/info subscribe = 0, or a send answered 43004).</summary>
    public async Task MarkNotFollowingAsync(string appId, string openId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(MarkNotFollowingSql, new { appId, openId, at = at.UtcDateTime }, cancellationToken: cancellationToken));
    }

    // Rows already locked by a concurrent writer are skipped: the touch is a hint, retried on the next message.
    private const string TouchSql = """
        UPDATE followers f SET last_message_at = @at
        WHERE f.id IN (
            SELECT id FROM followers
            WHERE app_id = @appId AND openid = ANY (@openIds) AND (last_message_at IS NULL OR last_message_at < @at)
            ORDER BY id
            FOR UPDATE SKIP LOCKED)
        """;

    /// <summary>Records that these followers messaged us (opens WeChat's 48 h customer-service window).</summary>
    public async Task<int> TouchAsync(string appId, string[] openIds, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition(TouchSql, new { appId, openIds, at = at.UtcDateTime }, cancellationToken: cancellationToken));
    }

    private const string GetSql = "SELECT * FROM followers WHERE app_id = @appId AND openid = @openId";

    public async Task<FollowerRow?> GetAsync(string appId, string openId, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<FollowerRow>(new CommandDefinition(GetSql, new { appId, openId }, cancellationToken: cancellationToken));
    }

    private const string EventsSql = """
        SELECT e.* FROM follower_events e JOIN followers f ON f.id = e.follower_id
        WHERE f.app_id = @appId AND f.openid = @openId ORDER BY e.at, e.id
        """;

    public async Task<IReadOnlyList<FollowerEventRow>> EventsAsync(string appId, string openId, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<FollowerEventRow>(new CommandDefinition(EventsSql, new { appId, openId }, cancellationToken: cancellationToken))).ToList();
    }
}
