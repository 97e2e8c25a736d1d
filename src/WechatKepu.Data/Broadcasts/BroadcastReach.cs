using Dapper;
using Npgsql;

namespace WechatKepu.Data.Broadcasts;

/// <summary>
/// One family of a session a broadcast is addressed to, with how far the official account gets to them:
/// whether the mini-program user has a unionid, the follower it matches (if any), and that follower's
/// result in the broadcast (if it was on the list).
/// </summary>
public sealed record SessionFamilyReach(
    long UserId, string? GuardianName, string Children, bool HasUnionid, string? Openid, bool? Subscribed, string? RecipientStatus, int? Errcode);

/// <summary>
/// How many of an audience a broadcast would reach (<c>Reason</c> null) or not, and why (<c>Reason</c>: a
/// <see cref="ReachReason"/> code), counted before it is sent.
/// </summary>
public sealed record ReachCount(string? Reason, int Count);

/// <summary>Why a member of an audience cannot be reached, as the forecast counts them.</summary>
public static class ReachReason
{
    /// <summary>Was a follower, has unfollowed the official account.</summary>
    public const string Unsubscribed = "unsubscribed";

    /// <summary>A parent whose mini-program account has no unionid: no follower (openid) can be matched to them.</summary>
    public const string NoUnionid = "no_unionid";

    /// <summary>A parent (with a unionid) who does not follow the official account: no openid to send to.</summary>
    public const string NotFollowing = "not_following";

    /// <summary>A waitlisted parent: template messages (the delivery engine) go to confirmed and checked-in families only.</summary>
    public const string Waitlisted = "waitlisted";
}

/// <summary>Who a broadcast reached and who it could not: read for the staff console's report.</summary>
public sealed class BroadcastReach(NpgsqlDataSource dataSource)
{
    private const string SessionFamiliesSql = """
        WITH families AS (
            SELECT u.id AS user_id, u.unionid, string_agg(coalesce(c.name, '?'), '、' ORDER BY s.id) AS children
            FROM signups s JOIN mp_users u ON u.id = s.user_id LEFT JOIN children c ON c.id = s.child_id
            WHERE s.session_id = @sessionId AND s.status IN ('confirmed', 'waitlisted', 'checked_in')
            GROUP BY u.id, u.unionid
        )
        SELECT fa.user_id, g.name AS guardian_name, fa.children, fa.unionid IS NOT NULL AS has_unionid,
               f.openid, f.subscribed, r.status AS recipient_status, r.errcode
        FROM families fa
        LEFT JOIN guardians g ON g.user_id = fa.user_id
        LEFT JOIN LATERAL (
            SELECT openid, subscribed FROM followers WHERE app_id = @appId AND unionid = fa.unionid ORDER BY subscribed DESC, id LIMIT 1
        ) f ON fa.unionid IS NOT NULL
        LEFT JOIN broadcast_recipients r ON r.broadcast_id = @broadcastId AND r.openid = f.openid
        ORDER BY fa.user_id
        """;

    /// <summary>Every family with a live sign-up to the session, matched (by unionid) against the account's followers and the broadcast's list.</summary>
    public async Task<IReadOnlyList<SessionFamilyReach>> SessionFamiliesAsync(long broadcastId, string appId, long sessionId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<SessionFamilyReach>(new CommandDefinition(SessionFamiliesSql, new { broadcastId, appId, sessionId }, cancellationToken: ct))).ToList();
    }

    // One set-based query per audience kind, each grouped by why a member cannot be reached (NULL: reachable),
    // mirroring whom the sending job takes: subscribed followers (of a tag), a topic's live subscriptions,
    // a session's families matched by unionid.
    private const string FollowersForecastSql = $"""
        SELECT CASE WHEN subscribed THEN NULL ELSE '{ReachReason.Unsubscribed}' END AS reason, count(*)::int AS count
        FROM followers
        WHERE app_id = @appId AND (@tagId::int IS NULL OR @tagId::int = ANY (tag_ids))
        GROUP BY 1
        """;

    private const string TopicForecastSql = $"""
        SELECT CASE WHEN f.subscribed THEN NULL ELSE '{ReachReason.Unsubscribed}' END AS reason, count(*)::int AS count
        FROM topic_subscriptions ts JOIN followers f ON f.id = ts.follower_id
        WHERE ts.topic_id = @refId AND ts.unsubscribed_at IS NULL AND f.app_id = @appId
        GROUP BY 1
        """;

    private const string SessionForecastSql = $"""
        WITH families AS (
            SELECT u.id, u.unionid, bool_or(s.status IN ('confirmed', 'checked_in')) AS confirmed
            FROM signups s JOIN mp_users u ON u.id = s.user_id
            WHERE s.session_id = @refId AND s.status IN ('confirmed', 'waitlisted', 'checked_in')
            GROUP BY u.id, u.unionid
        )
        SELECT CASE WHEN @template AND NOT fa.confirmed THEN '{ReachReason.Waitlisted}'
                    WHEN fa.unionid IS NULL THEN '{ReachReason.NoUnionid}'
                    WHEN f.openid IS NULL THEN '{ReachReason.NotFollowing}'
                    WHEN NOT f.subscribed THEN '{ReachReason.Unsubscribed}' END AS reason,
               count(*)::int AS count
        FROM families fa
        LEFT JOIN LATERAL (
            SELECT openid, subscribed FROM followers WHERE app_id = @appId AND unionid = fa.unionid ORDER BY subscribed DESC, id LIMIT 1
        ) f ON fa.unionid IS NOT NULL
        GROUP BY 1
        """;

    /// <summary>
    /// The audience of a broadcast not yet sent, counted by reachability: all followers or a tag's
    /// (<paramref name="audience"/> all/tag), a topic's subscribers, or a session's families (for a template
    /// broadcast only confirmed and checked-in ones are on the list, as the delivery engine takes them).
    /// </summary>
    public async Task<IReadOnlyList<ReachCount>> ForecastAsync(string appId, string audience, long? audienceRef, bool template, CancellationToken ct)
    {
        var sql = audience switch
        {
            BroadcastAudience.Topic => TopicForecastSql,
            BroadcastAudience.Session => SessionForecastSql,
            _ => FollowersForecastSql,
        };
        int? tagId = audience == BroadcastAudience.Tag ? (int?)audienceRef : null;
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<ReachCount>(new CommandDefinition(sql, new { appId, tagId, refId = audienceRef ?? 0, template }, cancellationToken: ct))).ToList();
    }

    private const string SentSql = $"SELECT count(*) FROM broadcast_recipients WHERE broadcast_id = @broadcastId AND status IN ('{RecipientStatus.Sent}', '{RecipientStatus.Unknown}')";

    /// <summary>How many of the broadcast's list were sent the message, or may have been (WeChat did not answer).</summary>
    public async Task<int> SentAsync(long broadcastId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<int>(new CommandDefinition(SentSql, new { broadcastId }, cancellationToken: ct));
    }
}
