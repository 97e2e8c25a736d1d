using Dapper;
using Npgsql;

namespace WechatKepu.Data.Parents;

/// <summary>
/// The ledger of subscribe-message grants. WeChat has no API that tells how many one-time grants a
/// user has left, so we count them: each "accept" of a one-time template adds one, each send spends one.
/// One tap on "accept" is told twice, by the mini-program (<c>POST /api/mp/subscriptions</c>, ledger reason
/// <c>accept</c>) and by WeChat's <c>subscribe_msg_popup_event</c> push (reason <c>push:accept</c>): whichever
/// comes second within <see cref="PairWindow"/> pairs with the first (reason <c>…:pairs:&lt;ledger id&gt;</c>,
/// delta 0), so the tap counts once whichever arrives first, or if only one arrives.
/// </summary>
public sealed class GrantStore(NpgsqlDataSource dataSource)
{
    /// <summary>How far apart the mini-program's report and WeChat's push of the same tap may arrive.</summary>
    public static readonly TimeSpan PairWindow = TimeSpan.FromMinutes(10);

    public const string ClientAccept = "accept";
    public const string PushAccept = "push:accept";

    // Creates the grant row if needed and locks it: accepts of one user and template are serialised here.
    private const string LockSql = """
        INSERT INTO subscribe_grants (user_id, template_id, balance, long_term, updated_at)
        VALUES (@userId, @templateId, 0, false, @now)
        ON CONFLICT (user_id, template_id) DO UPDATE SET updated_at = @now
        """;

    // The other source's report of a tap, inside the window and not paired yet.
    private const string UnpairedSql = """
        SELECT l.id FROM subscribe_grant_ledger l
        WHERE l.user_id = @userId AND l.template_id = @templateId AND l.reason = @otherReason AND l.created_at >= @since
          AND NOT EXISTS (SELECT 1 FROM subscribe_grant_ledger p
                          WHERE p.user_id = l.user_id AND p.template_id = l.template_id AND p.reason = @ownReason || ':pairs:' || l.id)
        ORDER BY l.id LIMIT 1
        """;

    private const string AcceptSql = """
        UPDATE subscribe_grants
        SET balance = balance + CASE WHEN @longTerm THEN 0 ELSE @delta END, long_term = long_term OR @longTerm, updated_at = @now
        WHERE user_id = @userId AND template_id = @templateId
        """;

    private const string RefuseSql = """
        UPDATE subscribe_grants SET long_term = false, updated_at = @now
        WHERE user_id = @userId AND template_id = @templateId AND long_term AND @longTerm
        """;

    private const string LedgerSql = """
        INSERT INTO subscribe_grant_ledger (user_id, template_id, delta, reason, created_at)
        VALUES (@userId, @templateId, @delta, @reason, @now)
        """;

    private const string ListSql = "SELECT template_id, balance, long_term FROM subscribe_grants WHERE user_id = @userId ORDER BY template_id";

    /// <summary>Records the result object of <c>wx.requestSubscribeMessage</c> (templateId → accept/reject/ban/filter).</summary>
    public async Task<IReadOnlyList<GrantRow>> RecordAsync(
        long userId, IReadOnlyList<(string TemplateId, string Result, bool LongTerm)> results, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        foreach (var (templateId, result, longTerm) in results)
        {
            if (result == ClientAccept)
            {
                await AcceptOnceAsync(conn, tx, userId, templateId, longTerm, ClientAccept, PushAccept, now, cancellationToken);
                continue;
            }

            await conn.ExecuteAsync(new CommandDefinition(RefuseSql, new { userId, templateId, longTerm, now = now.UtcDateTime }, tx, cancellationToken: cancellationToken));
            await conn.ExecuteAsync(new CommandDefinition(LedgerSql, new
            {
                userId, templateId, delta = 0, reason = result, now = now.UtcDateTime,
            }, tx, cancellationToken: cancellationToken));
        }

        var grants = (await conn.QueryAsync<GrantRow>(new CommandDefinition(ListSql, new { userId }, tx, cancellationToken: cancellationToken))).ToList();
        await tx.CommitAsync(cancellationToken);
        return grants;
    }

    /// <summary>
    /// Counts one accepted tap reported by <paramref name="ownReason"/>'s source, unless the other source already
    /// reported it (then the ledger only notes the pair). In the caller's transaction.
    /// </summary>
    public static async Task AcceptOnceAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, long userId, string templateId, bool longTerm, string ownReason, string otherReason,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        await conn.ExecuteAsync(new CommandDefinition(LockSql, new { userId, templateId, now = now.UtcDateTime }, tx, cancellationToken: cancellationToken));
        var pair = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(UnpairedSql, new
        {
            userId, templateId, ownReason, otherReason, since = (now - PairWindow).UtcDateTime,
        }, tx, cancellationToken: cancellationToken));
        var delta = pair is null ? 1 : 0;
        await conn.ExecuteAsync(new CommandDefinition(AcceptSql, new { userId, templateId, longTerm, delta, now = now.UtcDateTime },
            tx, cancellationToken: cancellationToken));
        await conn.ExecuteAsync(new CommandDefinition(LedgerSql, new
        {
            userId, templateId, delta = longTerm ? 0 : delta, reason = pair is { } id ? $"{ownReason}:pairs:{id}" : ownReason, now = now.UtcDateTime,
        }, tx, cancellationToken: cancellationToken));
    }

    private const string ZeroSql = """
        WITH old AS (
            SELECT balance FROM subscribe_grants WHERE user_id = @userId AND template_id = @templateId FOR UPDATE
        ), upd AS (
            UPDATE subscribe_grants SET balance = 0, long_term = false, updated_at = @now
            WHERE user_id = @userId AND template_id = @templateId
        )
        INSERT INTO subscribe_grant_ledger (user_id, template_id, delta, reason, created_at)
        SELECT @userId, @templateId, -coalesce((SELECT balance FROM old), 0), @reason, @now
        """;

    /// <summary>
    /// Applies WeChat's own word on a user's subscription (the mini-program's message push): a popup
    /// <c>accept</c> counts once (see <see cref="AcceptOnceAsync"/>); a <c>reject</c> in settings
    /// (<c>subscribe_msg_change_event</c>) means WeChat holds nothing for us any more, so the balance is set to zero.
    /// Other statuses are noted in the ledger only. False when no mini-program user has that openid.
    /// </summary>
    public async Task<bool> ApplyPushAsync(string openId, string templateId, string kind, string status, bool longTerm,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var userId = await conn.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT id FROM mp_users WHERE openid = @openId",
            new { openId }, tx, cancellationToken: cancellationToken));
        if (userId is not { } user)
        {
            return false;
        }

        var args = new { userId = user, templateId, now = now.UtcDateTime };
        if (kind == "popup" && status == "accept")
        {
            await AcceptOnceAsync(conn, tx, user, templateId, longTerm, PushAccept, ClientAccept, now, cancellationToken);
        }
        else if (kind == "change" && status == "reject")
        {
            await conn.ExecuteAsync(new CommandDefinition(ZeroSql, new { args.userId, templateId, reason = "push:change:reject", args.now }, tx, cancellationToken: cancellationToken));
        }
        else
        {
            await conn.ExecuteAsync(new CommandDefinition(LedgerSql, new { args.userId, templateId, delta = 0, reason = $"push:{kind}:{status}", args.now },
                tx, cancellationToken: cancellationToken));
        }

        await tx.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<GrantRow>> ListAsync(long userId, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<GrantRow>(new CommandDefinition(ListSql, new { userId }, cancellationToken: cancellationToken))).ToList();
    }

    private const string SpendSql = """
        WITH g AS (
            UPDATE subscribe_grants SET balance = balance - CASE WHEN long_term THEN 0 ELSE 1 END, updated_at = @now
            WHERE user_id = @userId AND template_id = @templateId AND (long_term OR balance > 0)
            RETURNING long_term
        ), l AS (
            INSERT INTO subscribe_grant_ledger (user_id, template_id, delta, reason, created_at)
            SELECT @userId, @templateId, CASE WHEN long_term THEN 0 ELSE -1 END, @reason, @now FROM g
        )
        SELECT count(*) > 0 FROM g
        """;

    /// <summary>Spends one grant (none for a long-term template) if there is one; false when none is left.</summary>
    public async Task<bool> TrySpendAsync(long userId, string templateId, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteScalarAsync<bool>(new CommandDefinition(SpendSql,
            new { userId, templateId, reason, now = now.UtcDateTime }, cancellationToken: cancellationToken));
    }
}
