using Dapper;
using Npgsql;

namespace WechatKepu.Data.Parents;

/// <summary>Retention of parents' data: what is kept only as long as it is needed.</summary>
public sealed class RetentionStore(NpgsqlDataSource dataSource)
{
    // The sign-up stays as an anonymous row (session counts stay right); who it was goes.
    private const string AnonymiseSql = """
        UPDATE signups s SET user_id = NULL, child_id = NULL
        FROM sessions se
        WHERE se.id = s.session_id AND se.ends_at < @before AND (s.user_id IS NOT NULL OR s.child_id IS NOT NULL)
        """;

    private const string ExpiredLoginsSql = "DELETE FROM mp_login_sessions WHERE expires_at < @now";

    /// <summary>Anonymises sign-ups of sessions that ended before <paramref name="before"/>, and drops expired logins.</summary>
    public async Task<(int Signups, int Logins)> PurgeAsync(DateTimeOffset before, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        var signups = await conn.ExecuteAsync(new CommandDefinition(AnonymiseSql, new { before = before.UtcDateTime }, cancellationToken: cancellationToken));
        var logins = await conn.ExecuteAsync(new CommandDefinition(ExpiredLoginsSql, new { now = now.UtcDateTime }, cancellationToken: cancellationToken));
        return (signups, logins);
    }
}
