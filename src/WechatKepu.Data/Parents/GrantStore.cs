using Dapper;
using Npgsql;

namespace WechatKepu.Data.Parents;

/// <summary>
/// The ledger of subscribe-message grants. WeChat has no API that tells how many one-time grants a
/// user has left, so we count them: each "accept" of a one-time template adds one, each send spends one.
/// </summary>
public sealed class GrantStore(NpgsqlDataSource dataSource)
{
    private const string AcceptSql = """
        INSERT INTO subscribe_grants (user_id, template_id, balance, long_term, updated_at)
        VALUES (@userId, @templateId, CASE WHEN @longTerm THEN 0 ELSE 1 END, @longTerm, @now)
        ON CONFLICT (user_id, template_id) DO UPDATE
        SET balance = subscribe_grants.balance + CASE WHEN @longTerm THEN 0 ELSE 1 END,
            long_term = subscribe_grants.long_term OR @longTerm, updated_at = @now
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
            var accepted = result == "accept";
            var args = new { userId, templateId, longTerm, now = now.UtcDateTime };
            await conn.ExecuteAsync(new CommandDefinition(accepted ? AcceptSql : RefuseSql, args, tx, cancellationToken: cancellationToken));
            await conn.ExecuteAsync(new CommandDefinition(LedgerSql, new
            {
                userId, templateId, delta = accepted && !longTerm ? 1 : 0, reason = result, now = now.UtcDateTime,
            }, tx, cancellationToken: cancellationToken));
        }

        var grants = (await conn.QueryAsync<GrantRow>(new CommandDefinition(ListSql, new { userId }, tx, cancellationToken: cancellationToken))).ToList();
        await tx.CommitAsync(cancellationToken);
        return grants;
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
