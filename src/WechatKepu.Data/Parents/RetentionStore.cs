using Dapper;
using Npgsql;

namespace WechatKepu.Data.Parents;

/// <summary>Retention of parents' data: what is kept only as long as it is needed.</summary>
public sealed class RetentionStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// What a delivery row to a parent keeps once the parent is gone (erase) or the session is long over
    /// (purge): its outcome for the campaign's counts, never who it went to. A row not yet sent is cancelled.
    /// </summary>
    internal const string ForgetDeliverySet = """
        SET openid = NULL, recipient = 'erased:' || d.id, mp_user_id = NULL, msg_id = NULL,
            status = CASE WHEN d.status IN ('pending', 'sending') THEN 'cancelled' ELSE d.status END
        """;

    /// <summary>The same for a broadcast's recipient row: the openid goes, a pending send is skipped.</summary>
    internal const string ForgetRecipientSet = """
        SET openid = NULL, status = CASE WHEN r.status = 'pending' THEN 'skipped' ELSE r.status END
        """;

    // The sign-up stays as an anonymous row (session counts stay right); who it was goes.
    private const string AnonymiseSql = """
        UPDATE signups s SET user_id = NULL, child_id = NULL
        FROM sessions se
        WHERE se.id = s.session_id AND se.ends_at < @before AND (s.user_id IS NOT NULL OR s.child_id IS NOT NULL)
        """;

    // Messages to a session's parents (reminders, notices, broadcasts to the session) say who took part.
    private const string ForgetDeliveriesSql = $"""
        UPDATE deliveries d {ForgetDeliverySet}
        FROM delivery_campaigns c
        LEFT JOIN broadcasts b ON b.campaign_id = c.id AND b.audience = 'session'
        JOIN sessions se ON se.id = coalesce(c.session_id, b.audience_ref)
        WHERE d.campaign_id = c.id AND d.recipient LIKE 'u:%' AND se.ends_at < @before
        """;

    private const string ForgetRecipientsSql = $"""
        UPDATE broadcast_recipients r {ForgetRecipientSet}
        FROM broadcasts b JOIN sessions se ON se.id = b.audience_ref
        WHERE r.broadcast_id = b.id AND b.audience = 'session' AND se.ends_at < @before AND r.openid IS NOT NULL
        """;

    private const string ExpiredLoginsSql = "DELETE FROM mp_login_sessions WHERE expires_at < @now";

    /// <summary>
    /// Anonymises sign-ups of sessions that ended before <paramref name="before"/> and the messages sent to
    /// their parents, and drops expired logins.
    /// </summary>
    public async Task<(int Signups, int Logins)> PurgeAsync(DateTimeOffset before, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var signups = await conn.ExecuteAsync(new CommandDefinition(AnonymiseSql, new { before = before.UtcDateTime }, tx, cancellationToken: cancellationToken));
        await conn.ExecuteAsync(new CommandDefinition(ForgetDeliveriesSql, new { before = before.UtcDateTime }, tx, cancellationToken: cancellationToken));
        await conn.ExecuteAsync(new CommandDefinition(ForgetRecipientsSql, new { before = before.UtcDateTime }, tx, cancellationToken: cancellationToken));
        var logins = await conn.ExecuteAsync(new CommandDefinition(ExpiredLoginsSql, new { now = now.UtcDateTime }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return (signups, logins);
    }
}
