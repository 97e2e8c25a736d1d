using Dapper;
using Npgsql;

namespace WechatKepu.Data.Parents;

public sealed record PersonalDataExport(
    string OpenId, DateTime RegisteredAt, GuardianRow? Guardian, IReadOnlyList<ConsentRow> Consents,
    IReadOnlyList<ChildRow> Children, IReadOnlyList<SignupRow> Signups, IReadOnlyList<GrantRow> SubscribeGrants);

/// <summary>A guardian's right to see and erase what we hold about them and their children.</summary>
public sealed class PersonalDataStore(NpgsqlDataSource dataSource, SignupStore signups, GrantStore grants)
{
    private const string ExportSql = """
        SELECT openid, created_at FROM mp_users WHERE id = @userId;
        SELECT * FROM guardians WHERE user_id = @userId;
        SELECT privacy_notice_version, consented_at FROM guardian_consents WHERE user_id = @userId ORDER BY consented_at;
        SELECT * FROM children WHERE user_id = @userId ORDER BY id;
        """;

    public async Task<PersonalDataExport?> ExportAsync(long userId, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var multi = await conn.QueryMultipleAsync(new CommandDefinition(ExportSql, new { userId }, cancellationToken: cancellationToken));
        var user = await multi.ReadSingleOrDefaultAsync<(string OpenId, DateTime CreatedAt)>();
        if (user.OpenId is null)
        {
            return null;
        }

        var guardian = await multi.ReadSingleOrDefaultAsync<GuardianRow>();
        var consents = (await multi.ReadAsync<ConsentRow>()).ToList();
        var children = (await multi.ReadAsync<ChildRow>()).ToList();
        return new PersonalDataExport(user.OpenId, user.CreatedAt, guardian, consents, children,
            await signups.ListAsync(userId, null, null, cancellationToken), await grants.ListAsync(userId, cancellationToken));
    }

    private const string ActiveUpcomingSql = """
        SELECT s.id, s.session_id FROM signups s JOIN sessions se ON se.id = s.session_id
        WHERE s.user_id = @userId AND s.status IN ('confirmed', 'waitlisted') AND se.starts_at > @now
        ORDER BY s.session_id, s.id
        """;

    // What points at the parent outside their own rows: messages sent to them (by mini-program openid, or
    // by the official-account openid their unionid led to), the recipient lists of broadcasts to their
    // sessions, and the unionid that links a follower to them.
    private const string ForgetTrailSql = $"""
        WITH u AS (SELECT unionid FROM mp_users WHERE id = @userId),
        fans AS (SELECT f.app_id, f.openid FROM followers f, u WHERE f.unionid = u.unionid),
        deliveries_gone AS (
            UPDATE deliveries d {RetentionStore.ForgetDeliverySet}
            WHERE d.mp_user_id = @userId
        ), recipients_gone AS (
            UPDATE broadcast_recipients r {RetentionStore.ForgetRecipientSet}
            FROM broadcasts b, fans
            WHERE r.broadcast_id = b.id AND b.audience = 'session' AND b.app_id = fans.app_id AND r.openid = fans.openid
        )
        UPDATE followers f SET unionid = NULL, updated_at = now() FROM u WHERE f.unionid = u.unionid
        """;

    /// <summary>
    /// Erases the guardian, their consents, children, sessions and grants, and every trail of them: the
    /// openids of messages sent to them, their place in broadcasts' recipient lists, the unionid that tied a
    /// follower to them. Places they held in sessions still ahead are given back (and passed on to the
    /// waiting list); past sign-ups and messages remain only as anonymous rows, so counts stay right.
    /// </summary>
    public async Task<bool> EraseAsync(long userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var exists = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT id FROM mp_users WHERE id = @userId FOR UPDATE", new { userId }, tx, cancellationToken: cancellationToken));
        if (exists is null)
        {
            return false;
        }

        // Session locks in ascending id order, like every other path that takes more than one.
        foreach (var (signupId, sessionId) in await conn.QueryAsync<(long, long)>(new CommandDefinition(
                     ActiveUpcomingSql, new { userId, now = now.UtcDateTime }, tx, cancellationToken: cancellationToken)))
        {
            await SignupStore.CancelLockedAsync(conn, tx, signupId, sessionId, now, cancellationToken);
        }

        await conn.ExecuteAsync(new CommandDefinition(ForgetTrailSql, new { userId }, tx, cancellationToken: cancellationToken));
        await conn.ExecuteAsync(new CommandDefinition("DELETE FROM mp_users WHERE id = @userId", new { userId }, tx, cancellationToken: cancellationToken));
        // Delivered at commit: every instance drops the guardian's cached login sessions.
        await conn.ExecuteAsync(new CommandDefinition("SELECT pg_notify(@channel, @userId::text)",
            new { channel = MpUserStore.SessionsRevokedChannel, userId }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return true;
    }
}
