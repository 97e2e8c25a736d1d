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

    private const string SentSql = $"SELECT count(*) FROM broadcast_recipients WHERE broadcast_id = @broadcastId AND status IN ('{RecipientStatus.Sent}', '{RecipientStatus.Unknown}')";

    /// <summary>How many of the broadcast's list were sent the message, or may have been (WeChat did not answer).</summary>
    public async Task<int> SentAsync(long broadcastId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<int>(new CommandDefinition(SentSql, new { broadcastId }, cancellationToken: ct));
    }
}
