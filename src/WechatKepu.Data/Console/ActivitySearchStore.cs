using Dapper;
using Npgsql;
using WechatKepu.Data.Catalogue;

namespace WechatKepu.Data.Console;

/// <summary>What staff filter the activities list and the session calendar by; null means "any".</summary>
/// <param name="MyUnit">The caller's unit: its activities come first, and <paramref name="Mine"/> keeps only them.</param>
public sealed record ActivityFilter(string? Text, string? Category, DateOnly? Month, string? District, string? Unit, string? MyUnit, bool Mine);

/// <summary>An activity as the console lists it, with whether it names the caller's unit.</summary>
public sealed record StaffActivityRow(ActivityRow Activity, bool IsMine);

/// <summary>A page of the console's activities; <paramref name="Total"/> and <paramref name="MineTotal"/> count every page.</summary>
public sealed record StaffActivityPage(IReadOnlyList<StaffActivityRow> Items, long Total, long MineTotal);

/// <summary>A session in the month calendar, with its activity and counts.</summary>
public sealed record CalendarSessionRow(
    long Id, long ActivityId, string ActivityCode, string ActivityTitle, string Title, DateTime StartsAt, DateTime EndsAt, string Venue,
    int Capacity, int ConfirmedCount, int WaitlistCount, string Status, bool IsMine);

/// <summary>
/// The console's search over activities and their sessions. The activities table holds one campaign's plan (tens to
/// hundreds of rows), so the filters scan it; sessions are reached by <c>sessions_activity_idx</c> (activity, start).
/// </summary>
public sealed class ActivitySearchStore(NpgsqlDataSource dataSource)
{
    private const string Units = "(a.host_units || a.organiser_units || a.co_organiser_units)";

    private const string Filter = $"""
        (@category::text IS NULL OR a.category = @category)
          AND (@month_start::date IS NULL OR (a.starts_on < (@month_start::date + interval '1 month') AND a.ends_on >= @month_start::date))
          AND (@district::text IS NULL OR @district = ANY (a.districts))
          AND (@unit::text IS NULL OR @unit = ANY {Units})
          AND (@mine = false OR @my_unit = ANY {Units})
          AND (@pattern::text IS NULL
               OR a.code = @text
               OR a.title ILIKE @pattern ESCAPE '\'
               OR a.venue ILIKE @pattern ESCAPE '\'
               OR a.description ILIKE @pattern ESCAPE '\'
               OR a.audience ILIKE @pattern ESCAPE '\'
               OR array_to_string({Units}, '、') ILIKE @pattern ESCAPE '\')
        """;

    private const string IsMine = $"coalesce(@my_unit = ANY {Units}, false)";

    private const string ActivitiesSql = $"""
        SELECT a.* FROM activities a
        WHERE {Filter}
        ORDER BY {IsMine} DESC, array_position(@categories, a.category), a.sort_order, a.id
        """;

    /// <summary>The activities matching the filter: the caller's unit's first, then in the plan's order.</summary>
    public async Task<IReadOnlyList<StaffActivityRow>> ActivitiesAsync(ActivityFilter filter, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<ActivityRow>(new CommandDefinition(ActivitiesSql, Args(filter, null), cancellationToken: cancellationToken));
        return Staff(rows, filter);
    }

    private const string ActivitiesPageSql = $"""
        {ActivitiesSql}
        LIMIT @limit OFFSET @offset;
        SELECT count(*) AS total, count(*) FILTER (WHERE {IsMine}) AS mine FROM activities a WHERE {Filter};
        """;

    /// <summary>
    /// One page of <see cref="ActivitiesAsync"/>, with how many activities match in all and how many of them are the
    /// caller's unit's (the counts read the activities table only, never their sessions).
    /// </summary>
    public async Task<StaffActivityPage> ActivitiesPageAsync(ActivityFilter filter, int page, int pageSize, CancellationToken cancellationToken)
    {
        var args = new DynamicParameters(Args(filter, null));
        args.Add("limit", pageSize);
        args.Add("offset", (page - 1) * pageSize);
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var results = await conn.QueryMultipleAsync(new CommandDefinition(ActivitiesPageSql, args, cancellationToken: cancellationToken));
        var rows = await results.ReadAsync<ActivityRow>();
        var (total, mine) = await results.ReadSingleAsync<(long, long)>();
        return new StaffActivityPage(Staff(rows, filter), total, mine);
    }

    private const string SampleSessionsSql = "SELECT count(*) FROM sessions WHERE is_sample AND status <> 'cancelled'";

    /// <summary>How many of the catalogue's made-up sample sessions are still on, whichever page their activities are on.</summary>
    public async Task<long> SampleSessionsAsync(CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteScalarAsync<long>(new CommandDefinition(SampleSessionsSql, cancellationToken: cancellationToken));
    }

    private static List<StaffActivityRow> Staff(IEnumerable<ActivityRow> rows, ActivityFilter filter) =>
        rows.Select(a => new StaffActivityRow(a, filter.MyUnit is { } u && (a.HostUnits.Contains(u) || a.OrganiserUnits.Contains(u) || a.CoOrganiserUnits.Contains(u)))).ToList();

    // The month is Shanghai's: from its first midnight there to the next month's.
    private const string CalendarSql = $"""
        SELECT s.id, s.activity_id, a.code AS activity_code, a.title AS activity_title, s.title, s.starts_at, s.ends_at, s.venue,
               s.capacity, s.confirmed_count, s.waitlist_count, s.status, {IsMine} AS is_mine
        FROM activities a JOIN sessions s ON s.activity_id = a.id
        WHERE {Filter}
          AND s.starts_at >= (@calendar_month::timestamp AT TIME ZONE 'Asia/Shanghai')
          AND s.starts_at < ((@calendar_month::timestamp + interval '1 month') AT TIME ZONE 'Asia/Shanghai')
        ORDER BY s.starts_at, s.id
        """;

    /// <summary>The sessions starting in <paramref name="month"/> (Shanghai) of the activities matching the filter.</summary>
    public async Task<IReadOnlyList<CalendarSessionRow>> CalendarAsync(ActivityFilter filter, DateOnly month, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<CalendarSessionRow>(new CommandDefinition(CalendarSql, Args(filter, month), cancellationToken: cancellationToken))).ToList();
    }

    private const string DistrictsSql = "SELECT DISTINCT d FROM activities, unnest(districts) AS d ORDER BY 1";

    /// <summary>Every district an activity names, for the filter's list.</summary>
    public async Task<IReadOnlyList<string>> DistrictsAsync(CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<string>(new CommandDefinition(DistrictsSql, cancellationToken: cancellationToken))).ToList();
    }

    private static object Args(ActivityFilter f, DateOnly? calendarMonth) => new
    {
        category = f.Category,
        month_start = f.Month?.ToDateTime(TimeOnly.MinValue),
        district = f.District,
        unit = f.Unit,
        my_unit = f.MyUnit,
        mine = f.Mine && f.MyUnit is not null,
        text = f.Text,
        pattern = ActivityStore.ContainsPattern(f.Text),
        categories = ActivityStore.Categories,
        calendar_month = calendarMonth?.ToDateTime(TimeOnly.MinValue),
    };
}
