using Dapper;
using Npgsql;

namespace WechatKepu.Data.Callback;

/// <summary>One stored receipt: a send's outcome or a subscribe-message grant change.</summary>
/// <param name="Kind">template_send, mass_send, subscribe_popup, subscribe_change, subscribe_sent.</param>
/// <param name="Payload">The event's other fields as JSON (counts of a mass send, the error code…).</param>
public sealed record ReceiptRecord(string Kind, string? MsgId, string? TemplateId, string Status, string Payload);

public sealed record ReceiptRow(
    long Id, string AppId, string Openid, string Kind, string? MsgId, string? TemplateId, string Status,
    string Payload, string DedupKey, DateTime ReceivedAt, DateTime? ProcessedAt, string? Unmatched = null);

/// <summary>Receipts of our sends as WeChat reports them; the delivery engine applies and marks them.</summary>
public sealed class ReceiptStore(NpgsqlDataSource dataSource)
{
    private const string InsertSql = """
        INSERT INTO wechat_receipts (app_id, openid, kind, msg_id, template_id, status, payload, dedup_key, received_at)
        SELECT @appId, @openId, u.kind, u.msg_id, u.template_id, u.status, u.payload::jsonb, @key, @now
        FROM unnest(@kinds, @msgIds, @templateIds, @statuses, @payloads) AS u(kind, msg_id, template_id, status, payload)
        RETURNING id
        """;

    /// <summary>Stores the receipts one callback carried, in the caller's transaction (one statement).</summary>
    /// <returns>The new rows' ids.</returns>
    public static async Task<long[]> InsertAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, string appId, string openId, string key,
        IReadOnlyList<ReceiptRecord> receipts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ids = await conn.QueryAsync<long>(new CommandDefinition(InsertSql, new
        {
            appId, openId, key, now = now.UtcDateTime,
            kinds = receipts.Select(r => r.Kind).ToArray(),
            msgIds = receipts.Select(r => r.MsgId).ToArray(),
            templateIds = receipts.Select(r => r.TemplateId).ToArray(),
            statuses = receipts.Select(r => r.Status).ToArray(),
            payloads = receipts.Select(r => r.Payload).ToArray(),
        }, tx, cancellationToken: cancellationToken));
        return ids.ToArray();
    }

    private const string ListSql = "SELECT * FROM wechat_receipts WHERE app_id = @appId ORDER BY id";

    public async Task<IReadOnlyList<ReceiptRow>> ListAsync(string appId, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<ReceiptRow>(new CommandDefinition(ListSql, new { appId }, cancellationToken: cancellationToken))).ToList();
    }

    private const string PendingSql = """
        SELECT * FROM wechat_receipts
        WHERE processed_at IS NULL AND (@ids::bigint[] IS NULL OR id = ANY (@ids)) AND received_at > @since
        ORDER BY id LIMIT @limit
        """;

    /// <summary>Unprocessed receipts: the given ids, or (ids null) every one received after <paramref name="since"/>.</summary>
    public async Task<IReadOnlyList<ReceiptRow>> PendingAsync(long[]? ids, DateTimeOffset since, int limit, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<ReceiptRow>(new CommandDefinition(PendingSql,
            new { ids, since = since.UtcDateTime, limit }, cancellationToken: cancellationToken))).ToList();
    }

    private const string MarkSql = "UPDATE wechat_receipts SET processed_at = @now WHERE id = ANY (@ids) AND processed_at IS NULL";

    public async Task MarkProcessedAsync(IReadOnlyCollection<long> ids, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return;
        }

        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(MarkSql, new { ids = ids.ToArray(), now = now.UtcDateTime }, cancellationToken: cancellationToken));
    }
}
