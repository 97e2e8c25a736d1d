using Dapper;
using Npgsql;

using WechatKepu.Data.Staff;

namespace WechatKepu.Data.Console;

/// <summary>What staff may set on an activity of the catalogue.</summary>
public sealed record ActivityEdit(
    string Category, string Title, string TimeText, DateOnly StartsOn, DateOnly EndsOn, string Venue, string[] Districts,
    string[] HostUnits, string[] OrganiserUnits, string[] CoOrganiserUnits, string Description, string Audience, bool AcceptsSignups,
    string? ShortName = null)
{
    public bool Names(string unit) => HostUnits.Contains(unit) || OrganiserUnits.Contains(unit) || CoOrganiserUnits.Contains(unit);
}

/// <summary>Staff create and edit activities; each change is audited in its own transaction.</summary>
public sealed class ActivityEditStore(NpgsqlDataSource dataSource, AuditLog audit)
{
    // Staff activities are numbered S1, S2… beside the plan's 5.1.1…; the placeholder never commits.
    private const string InsertSql = """
        INSERT INTO activities (code, category, sort_order, title, short_name, time_text, starts_on, ends_on, venue, districts, host_units,
                                organiser_units, co_organiser_units, description, audience, accepts_signups, created_at, updated_at)
        VALUES ('new-' || gen_random_uuid(), @Category, 1000, @Title, coalesce(@ShortName, ''), @TimeText, @StartsOn, @EndsOn, @Venue, @Districts, @HostUnits,
                @OrganiserUnits, @CoOrganiserUnits, @Description, @Audience, @AcceptsSignups, @now, @now)
        RETURNING id;
        """;

    private const string CodeSql = "UPDATE activities SET code = 'S' || id WHERE id = @id";

    public async Task<long> CreateAsync(ActivityEdit edit, StaffActor actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var id = await conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertSql, Args(edit, now), tx, cancellationToken: cancellationToken));
        await conn.ExecuteAsync(new CommandDefinition(CodeSql, new { id }, tx, cancellationToken: cancellationToken));
        await audit.WriteAsync(actor.Id, actor.Name, "activity.create", $"activity:{id}", new { edit.Title, edit.Category }, now, cancellationToken, conn, tx);
        await tx.CommitAsync(cancellationToken);
        return id;
    }

    private const string UpdateSql = """
        UPDATE activities SET category = @Category, title = @Title, short_name = coalesce(@ShortName, short_name), time_text = @TimeText, starts_on = @StartsOn, ends_on = @EndsOn,
               venue = @Venue, districts = @Districts, host_units = @HostUnits, organiser_units = @OrganiserUnits,
               co_organiser_units = @CoOrganiserUnits, description = @Description, audience = @Audience,
               accepts_signups = @AcceptsSignups, updated_at = @now
        WHERE id = @id
        """;

    public async Task<bool> UpdateAsync(long id, ActivityEdit edit, StaffActor actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var args = new DynamicParameters(Args(edit, now));
        args.Add("id", id);
        if (await conn.ExecuteAsync(new CommandDefinition(UpdateSql, args, tx, cancellationToken: cancellationToken)) == 0)
        {
            return false;
        }

        await audit.WriteAsync(actor.Id, actor.Name, "activity.update", $"activity:{id}", edit, now, cancellationToken, conn, tx);
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    private static object Args(ActivityEdit e, DateTimeOffset now) => new
    {
        e.Category, e.Title, e.TimeText, StartsOn = e.StartsOn.ToDateTime(TimeOnly.MinValue), EndsOn = e.EndsOn.ToDateTime(TimeOnly.MinValue),
        e.Venue, e.Districts, e.HostUnits, e.OrganiserUnits, e.CoOrganiserUnits, e.Description, e.Audience, e.AcceptsSignups,
        e.ShortName, now = now.UtcDateTime,
    };
}
