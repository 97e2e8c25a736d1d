using System.Text.Json;
using Dapper;
using Npgsql;

namespace WechatKepu.Data.Staff;

public sealed record AuditEntry
{
    public long Id { get; init; }
    public DateTime At { get; init; }
    public long? StaffId { get; init; }
    public string StaffName { get; init; } = "";
    public string Action { get; init; } = "";
    public string? Target { get; init; }
    public string Detail { get; init; } = "{}";
}

/// <summary>The audit log staff can read: every write and every export of the console.</summary>
public sealed class AuditLog(NpgsqlDataSource dataSource)
{
    private const string InsertSql = """
        INSERT INTO staff_audit_log (at, staff_id, staff_name, action, target, detail)
        VALUES (@at, @staffId, @staffName, @action, @target, @detail::jsonb)
        """;

    /// <summary>Records an action; with a transaction, in it, so that the entry exists exactly when the change does.</summary>
    public async Task WriteAsync(
        long? staffId, string staffName, string action, string? target, object? detail, DateTimeOffset at,
        CancellationToken cancellationToken, NpgsqlConnection? conn = null, NpgsqlTransaction? tx = null)
    {
        var args = new { at = at.UtcDateTime, staffId, staffName, action, target, detail = JsonSerializer.Serialize(detail ?? new { }) };
        if (conn is not null)
        {
            await conn.ExecuteAsync(new CommandDefinition(InsertSql, args, tx, cancellationToken: cancellationToken));
            return;
        }

        await using var own = await dataSource.OpenConnectionAsync(cancellationToken);
        await own.ExecuteAsync(new CommandDefinition(InsertSql, args, cancellationToken: cancellationToken));
    }

    private const string PageSql = """
        SELECT id, at, staff_id, staff_name, action, target, detail::text AS detail FROM staff_audit_log
        WHERE (@action::text IS NULL OR action LIKE @action || '%') AND (@beforeId::bigint IS NULL OR id < @beforeId)
        ORDER BY id DESC LIMIT @limit
        """;

    /// <summary>Newest first; page on with the last id seen.</summary>
    public async Task<IReadOnlyList<AuditEntry>> ListAsync(string? action, long? beforeId, int limit, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<AuditEntry>(new CommandDefinition(PageSql, new { action, beforeId, limit }, cancellationToken: cancellationToken))).ToList();
    }
}
