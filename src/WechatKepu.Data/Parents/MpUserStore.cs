using Dapper;
using Npgsql;

namespace WechatKepu.Data.Parents;

public sealed record LoginSession(long UserId, string OpenId, DateTime ExpiresAt, DateTime LastSeenAt, DateTime CreatedAt);

/// <summary>Mini-program users (by openid) and our own login sessions for them.</summary>
public sealed class MpUserStore(NpgsqlDataSource dataSource)
{
    /// <summary>NOTIFY channel whose payload is a user id whose login sessions are gone (the guardian erased their data).</summary>
    public const string SessionsRevokedChannel = "mp_sessions_revoked";

    private const string UpsertUser = """
        INSERT INTO mp_users (openid, unionid, last_login_at) VALUES (@openid, @unionid, @now)
        ON CONFLICT (openid) DO UPDATE SET unionid = coalesce(excluded.unionid, mp_users.unionid), last_login_at = excluded.last_login_at
        RETURNING id
        """;

    private const string InsertSession = """
        INSERT INTO mp_login_sessions (token_hash, user_id, created_at, expires_at, last_seen_at)
        VALUES (@tokenHash, @userId, @now, @expiresAt, @now)
        ON CONFLICT (token_hash) DO NOTHING
        """;

    /// <summary>
    /// Records a successful jscode2session: the user (created on first login) and a session. WeChat's
    /// session_key is not kept: nothing of ours decrypts the mini-program's encrypted data.
    /// </summary>
    public async Task<long> CreateSessionAsync(
        string openId, string? unionId, byte[] tokenHash, DateTimeOffset now, DateTimeOffset expiresAt,
        CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var userId = await conn.ExecuteScalarAsync<long>(new CommandDefinition(UpsertUser,
            new { openid = openId, unionid = unionId, now = now.UtcDateTime }, tx, cancellationToken: cancellationToken));
        await conn.ExecuteAsync(new CommandDefinition(InsertSession, new
        {
            tokenHash, userId, now = now.UtcDateTime, expiresAt = expiresAt.UtcDateTime,
        }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return userId;
    }

    private const string FindSql = """
        SELECT s.user_id, u.openid, s.expires_at, s.last_seen_at, s.created_at
        FROM mp_login_sessions s JOIN mp_users u ON u.id = s.user_id
        WHERE s.token_hash = @tokenHash AND s.expires_at > @now
        """;

    public async Task<LoginSession?> FindSessionAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<LoginSession>(new CommandDefinition(FindSql,
            new { tokenHash, now = now.UtcDateTime }, cancellationToken: cancellationToken));
    }

    private const string SlideSql = """
        UPDATE mp_login_sessions SET last_seen_at = @now, expires_at = @expiresAt
        WHERE token_hash = @tokenHash AND expires_at < @expiresAt
        """;

    /// <summary>Sliding expiry: pushes the session's end out to <paramref name="expiresAt"/>.</summary>
    public async Task SlideAsync(byte[] tokenHash, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(SlideSql,
            new { tokenHash, now = now.UtcDateTime, expiresAt = expiresAt.UtcDateTime }, cancellationToken: cancellationToken));
    }

    private const string RedeemSql = """
        UPDATE mp_login_sessions SET redeemed_at = @now WHERE token_hash = @tokenHash AND redeemed_at IS NULL
        """;

    /// <summary>Gives a wx.login code's session out once: true for the first caller only.</summary>
    public async Task<bool> RedeemAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition(RedeemSql, new { tokenHash, now = now.UtcDateTime }, cancellationToken: cancellationToken)) == 1;
    }

    // The notification makes every instance drop the user's cached sessions (MpSessionCache) at once.
    private const string EndSql = """
        WITH ended AS (DELETE FROM mp_login_sessions WHERE token_hash = @tokenHash RETURNING user_id)
        SELECT count(*) FROM ended, pg_notify(@channel, ended.user_id::text)
        """;

    /// <summary>Ends one login session (a parent's "log out on this device"); other devices stay signed in.</summary>
    public async Task EndSessionAsync(byte[] tokenHash, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteScalarAsync<long>(new CommandDefinition(EndSql, new { tokenHash, channel = SessionsRevokedChannel }, cancellationToken: cancellationToken));
    }

    private const string PurgeSql = "DELETE FROM mp_login_sessions WHERE expires_at < @now";

    public async Task<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition(PurgeSql, new { now = now.UtcDateTime }, cancellationToken: cancellationToken));
    }
}
