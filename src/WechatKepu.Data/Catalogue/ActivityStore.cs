using Dapper;
using Npgsql;

namespace WechatKepu.Data.Catalogue;

/// <summary>Reads activities and their sessions.</summary>
public sealed class ActivityStore(NpgsqlDataSource dataSource)
{
    public static readonly string[] Categories = ["主场活动", "重点活动", "各单位特色活动", "系列联合行动"];

    private const string Filter = """
        FROM activities a
        WHERE (@category::text IS NULL OR a.category = @category)
          AND (@month_start::date IS NULL OR (a.starts_on < (@month_start::date + interval '1 month') AND a.ends_on >= @month_start::date))
          AND (@district::text IS NULL OR @district = ANY (a.districts))
          AND (@accepts_signups::boolean IS NULL OR a.accepts_signups = @accepts_signups)
          AND (@pattern::text IS NULL
               OR a.title ILIKE @pattern ESCAPE '\'
               OR a.venue ILIKE @pattern ESCAPE '\'
               OR a.description ILIKE @pattern ESCAPE '\'
               OR a.audience ILIKE @pattern ESCAPE '\'
               OR array_to_string(a.host_units || a.organiser_units || a.co_organiser_units, '、') ILIKE @pattern ESCAPE '\')
        """;

    private const string SearchSql = $"""
        SELECT a.* {Filter}
        ORDER BY array_position(@categories, a.category), a.sort_order, a.id
        LIMIT @limit OFFSET @offset;
        SELECT count(*) {Filter};
        """;

    public async Task<ActivityPage> SearchAsync(ActivityQuery query, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var results = await conn.QueryMultipleAsync(new CommandDefinition(SearchSql, new
        {
            category = query.Category,
            month_start = query.Month?.ToDateTime(TimeOnly.MinValue),
            district = query.District,
            accepts_signups = query.AcceptsSignups,
            pattern = ContainsPattern(query.Text),
            categories = Categories,
            limit = query.PageSize,
            offset = (query.Page - 1) * query.PageSize,
        }, cancellationToken: cancellationToken));
        var items = (await results.ReadAsync<ActivityRow>()).ToList();
        var total = await results.ReadSingleAsync<long>();
        return new ActivityPage(items, total);
    }

    private const string GetSql = "SELECT * FROM activities WHERE id = @id";

    public async Task<ActivityRow?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<ActivityRow>(new CommandDefinition(GetSql, new { id }, cancellationToken: cancellationToken));
    }

    private const string SessionsSql = """
        SELECT s.*, a.title AS activity_title
        FROM sessions s JOIN activities a ON a.id = s.activity_id
        WHERE s.activity_id = ANY (@ids) AND (@from::timestamptz IS NULL OR s.ends_at >= @from)
        ORDER BY s.activity_id, s.starts_at, s.id
        """;

    /// <summary>Sessions of the given activities; with <paramref name="endingAfter"/>, only those not yet over.</summary>
    public async Task<ILookup<long, SessionRow>> SessionsForAsync(
        IReadOnlyCollection<long> activityIds, DateTimeOffset? endingAfter, CancellationToken cancellationToken)
    {
        if (activityIds.Count == 0)
        {
            return Array.Empty<SessionRow>().ToLookup(s => s.ActivityId);
        }

        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<SessionRow>(new CommandDefinition(SessionsSql, new
        {
            ids = activityIds.ToArray(),
            from = endingAfter?.UtcDateTime,
        }, cancellationToken: cancellationToken));
        return rows.ToLookup(s => s.ActivityId);
    }

    // No count of every session ahead: a parent pages forward until there is no more, so one row past the page says
    // whether there is. One statement per filter, not "(@x IS NULL OR col = @x)", whose generic plan cannot use the index.
    private const string SessionPageFromSql = """
        SELECT s.*, a.title AS activity_title
        FROM sessions s JOIN activities a ON a.id = s.activity_id
        WHERE s.ends_at >= @from AND s.status <> 'cancelled'
        """;

    private const string SessionPageOrderSql = """

        ORDER BY s.starts_at, s.id
        LIMIT @limit OFFSET @offset
        """;

    private const string SessionPageSql = SessionPageFromSql + SessionPageOrderSql;

    private const string ActivitySessionPageSql = SessionPageFromSql + " AND s.activity_id = @activityId" + SessionPageOrderSql;

    /// <summary>Sessions not over by <paramref name="from"/>, soonest first; <c>HasMore</c> when a later page has any.</summary>
    public async Task<(IReadOnlyList<SessionRow> Items, bool HasMore)> ListSessionsAsync(
        long? activityId, DateTimeOffset from, int page, int pageSize, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await conn.QueryAsync<SessionRow>(new CommandDefinition(activityId is null ? SessionPageSql : ActivitySessionPageSql, new
        {
            activityId, from = from.UtcDateTime, limit = pageSize + 1, offset = (page - 1) * pageSize,
        }, cancellationToken: cancellationToken))).ToList();
        return rows.Count > pageSize ? (rows[..pageSize], true) : (rows, false);
    }

    private const string SessionSql = """
        SELECT s.*, a.title AS activity_title FROM sessions s JOIN activities a ON a.id = s.activity_id WHERE s.id = @id
        """;

    public async Task<SessionRow?> GetSessionAsync(long id, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<SessionRow>(new CommandDefinition(SessionSql, new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>An ILIKE … ESCAPE '\' pattern matching the text anywhere, its % and _ taken literally; null for no text.</summary>
    internal static string? ContainsPattern(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : "%" + text.Trim().Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
}
