using Dapper;
using Npgsql;
using WechatKepu.Data.Console;
using WechatKepu.Data.Staff;

namespace WechatKepu.Data.Delivery;

/// <summary>Which keyword of a template carries the activity, the time, the place and the note ('' = none).</summary>
public sealed record NoticeFieldRow(string Purpose, string Channel, string ActivityKey, string TimeKey, string PlaceKey, string NoteKey,
    string? UpdatedBy = null, DateTime? UpdatedAt = null);

/// <summary>The staff's choices of template fields per notice purpose and channel (<c>notice_template_fields</c>).</summary>
public sealed class NoticeTemplateStore(NpgsqlDataSource dataSource, AuditLog audit)
{
    private const string ListSql = """
        SELECT purpose, channel, activity_key, time_key, place_key, note_key, updated_by, updated_at
        FROM notice_template_fields ORDER BY purpose, channel
        """;

    public async Task<IReadOnlyList<NoticeFieldRow>> ListAsync(CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<NoticeFieldRow>(new CommandDefinition(ListSql, cancellationToken: cancellationToken))).AsList();
    }

    private const string SaveSql = """
        INSERT INTO notice_template_fields (purpose, channel, activity_key, time_key, place_key, note_key, updated_by, updated_at)
        VALUES (@Purpose, @Channel, @ActivityKey, @TimeKey, @PlaceKey, @NoteKey, @UpdatedBy, @now)
        ON CONFLICT (purpose, channel) DO UPDATE
        SET activity_key = excluded.activity_key, time_key = excluded.time_key, place_key = excluded.place_key,
            note_key = excluded.note_key, updated_by = excluded.updated_by, updated_at = excluded.updated_at
        """;

    /// <summary>Saves the choice and audits it in one transaction.</summary>
    public async Task SaveAsync(NoticeFieldRow row, StaffActor actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(SaveSql, new
        {
            row.Purpose, row.Channel, row.ActivityKey, row.TimeKey, row.PlaceKey, row.NoteKey, UpdatedBy = actor.Name, now = now.UtcDateTime,
        }, tx, cancellationToken: cancellationToken));
        await audit.WriteAsync(actor.Id, actor.Name, "notice_template.update", $"notice_template:{row.Purpose}:{row.Channel}",
            new { row.ActivityKey, row.TimeKey, row.PlaceKey, row.NoteKey }, now, cancellationToken, conn, tx);
        await tx.CommitAsync(cancellationToken);
    }
}
