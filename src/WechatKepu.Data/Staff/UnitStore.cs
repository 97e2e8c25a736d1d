using Dapper;
using Npgsql;

namespace WechatKepu.Data.Staff;

/// <summary>A unit staff accounts may belong to: how many activities name it, and whether an admin added it.</summary>
public sealed record UnitRow(string Name, int Activities, bool Added);

/// <summary>
/// The units a staff account may belong to: every unit an activity names (the plan's, in the plan's order, then
/// those of activities staff created), plus units an admin added.
/// </summary>
public sealed class UnitStore(NpgsqlDataSource dataSource, AuditLog audit)
{
    private const string ListSql = """
        WITH named AS (
            SELECT u.name, count(DISTINCT a.id)::int AS activities, min(a.id * 10000 + u.ord) AS first
            FROM activities a, unnest(a.host_units || a.organiser_units || a.co_organiser_units) WITH ORDINALITY AS u (name, ord)
            GROUP BY u.name
        )
        SELECT coalesce(n.name, s.name) AS name, coalesce(n.activities, 0) AS activities, s.name IS NOT NULL AS added
        FROM named n FULL JOIN staff_units s ON s.name = n.name
        ORDER BY n.first NULLS LAST, s.added_at, 1
        """;

    public async Task<IReadOnlyList<UnitRow>> ListAsync(CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<UnitRow>(new CommandDefinition(ListSql, cancellationToken: cancellationToken))).ToList();
    }

    private const string ExistsSql = """
        SELECT EXISTS (SELECT 1 FROM staff_units WHERE name = @name)
            OR EXISTS (SELECT 1 FROM activities WHERE @name = ANY (host_units || organiser_units || co_organiser_units))
        """;

    /// <summary>Whether <paramref name="name"/> is on the list, spelt exactly so.</summary>
    public async Task<bool> ExistsAsync(string name, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteScalarAsync<bool>(new CommandDefinition(ExistsSql, new { name }, cancellationToken: cancellationToken));
    }

    private const string AddSql = """
        INSERT INTO staff_units (name, added_by_name, added_at) SELECT @name, @by, @now
        WHERE NOT EXISTS (SELECT 1 FROM activities WHERE @name = ANY (host_units || organiser_units || co_organiser_units))
        ON CONFLICT (name) DO NOTHING
        """;

    /// <summary>Adds a unit (audited); false when it is already on the list.</summary>
    public async Task<bool> AddAsync(string name, long? staffId, string staffName, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var added = await conn.ExecuteAsync(new CommandDefinition(AddSql, new { name, by = staffName, now = now.UtcDateTime }, tx, cancellationToken: cancellationToken)) == 1;
        if (added)
        {
            await audit.WriteAsync(staffId, staffName, "unit.add", $"unit:{name}", null, now, cancellationToken, conn, tx);
        }

        await tx.CommitAsync(cancellationToken);
        return added;
    }
}
