using Dapper;
using Npgsql;

namespace WechatKepu.Data.Posters;

/// <param name="Kind">qr_permanent, qr_temporary or wxacode.</param>
public sealed record PosterCodeRow(
    long Id, string AppId, string Kind, long ActivityId, long? SessionId, string Scene, string? Ticket, string? Url, string? Page,
    DateTime? ExpiresAt, DateTime CreatedAt, string ActivityTitle, string? SessionTitle, DateTime? SessionStartsAt,
    int Scans, int NewFollowers);

public sealed record NewPosterCode(
    long Id, string AppId, string Kind, long ActivityId, long? SessionId, string Scene, string? Ticket, string? Url, string? Page,
    byte[]? Image, DateTimeOffset? ExpiresAt, long? CreatedBy, DateTimeOffset CreatedAt);

/// <summary>What a scan needs: the code and what it stands for.</summary>
public sealed record PosterScene(
    long CodeId, long ActivityId, string ActivityTitle, string TimeText, string Venue, bool AcceptsSignups,
    long? SessionId, string? SessionTitle, DateTime? SessionStartsAt, string? SessionVenue, int? PlacesLeft);

/// <summary>Poster codes (<c>poster_codes</c>) and their scans (<c>poster_scans</c>).</summary>
public sealed class PosterStore(NpgsqlDataSource dataSource)
{
    private const string NextIdSql = "SELECT nextval('poster_codes_id_seq')";

    /// <summary>The next code's id, taken before asking WeChat so the scene can carry it.</summary>
    public async Task<long> NextIdAsync(CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteScalarAsync<long>(new CommandDefinition(NextIdSql, cancellationToken: cancellationToken));
    }

    private const string InsertSql = """
        INSERT INTO poster_codes (id, app_id, kind, activity_id, session_id, scene, ticket, url, page, image, expires_at, created_by, created_at)
        VALUES (@Id, @AppId, @Kind, @ActivityId, @SessionId, @Scene, @Ticket, @Url, @Page, @Image, @expiresAt, @CreatedBy, @createdAt)
        """;

    public async Task InsertAsync(NewPosterCode code, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(InsertSql, new
        {
            code.Id, code.AppId, code.Kind, code.ActivityId, code.SessionId, code.Scene, code.Ticket, code.Url, code.Page, code.Image,
            expiresAt = code.ExpiresAt?.UtcDateTime, code.CreatedBy, createdAt = code.CreatedAt.UtcDateTime,
        }, cancellationToken: cancellationToken));
    }

    private const string ListSql = """
        SELECT c.id, c.app_id, c.kind, c.activity_id, c.session_id, c.scene, c.ticket, c.url, c.page, c.expires_at, c.created_at,
               a.title AS activity_title, s.title AS session_title, s.starts_at AS session_starts_at,
               (SELECT count(*) FROM poster_scans p WHERE p.code_id = c.id)::int AS scans,
               (SELECT count(*) FROM poster_scans p WHERE p.code_id = c.id AND p.new_follower)::int AS new_followers
        FROM poster_codes c
        JOIN activities a ON a.id = c.activity_id
        LEFT JOIN sessions s ON s.id = c.session_id
        WHERE (@activityId::bigint IS NULL OR c.activity_id = @activityId) AND (@id::bigint IS NULL OR c.id = @id)
        ORDER BY c.id DESC
        LIMIT 500
        """;

    /// <summary>The codes of one activity (or all), newest first, with their scan and new-follower counts.</summary>
    public async Task<IReadOnlyList<PosterCodeRow>> ListAsync(long? activityId, CancellationToken cancellationToken) =>
        await QueryAsync(activityId, null, cancellationToken);

    public async Task<PosterCodeRow?> GetAsync(long id, CancellationToken cancellationToken) =>
        (await QueryAsync(null, id, cancellationToken)).SingleOrDefault();

    private async Task<IReadOnlyList<PosterCodeRow>> QueryAsync(long? activityId, long? id, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<PosterCodeRow>(new CommandDefinition(ListSql, new { activityId, id }, cancellationToken: cancellationToken))).ToList();
    }

    private const string ImageSql = "SELECT image FROM poster_codes WHERE id = @id";

    /// <summary>The stored image of a mini-program code.</summary>
    public async Task<byte[]?> ImageAsync(long id, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteScalarAsync<byte[]?>(new CommandDefinition(ImageSql, new { id }, cancellationToken: cancellationToken));
    }

    private const string SceneSql = """
        SELECT c.id AS code_id, a.id AS activity_id, a.title AS activity_title, a.time_text, a.venue, a.accepts_signups,
               s.id AS session_id, s.title AS session_title, s.starts_at AS session_starts_at, s.venue AS session_venue,
               CASE WHEN s.id IS NULL THEN NULL ELSE greatest(s.capacity - s.confirmed_count, 0) END AS places_left
        FROM poster_codes c
        JOIN activities a ON a.id = c.activity_id
        LEFT JOIN sessions s ON s.id = c.session_id
        WHERE c.app_id = @appId AND c.scene = @scene AND c.kind <> 'wxacode'
        """;

    /// <summary>The official-account QR code with this scene, or null (a code made elsewhere, or none).</summary>
    public static Task<PosterScene?> FindSceneAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, string appId, string scene, CancellationToken cancellationToken) =>
        conn.QuerySingleOrDefaultAsync<PosterScene>(new CommandDefinition(SceneSql, new { appId, scene }, tx, cancellationToken: cancellationToken));

    private const string ScanSql = "INSERT INTO poster_scans (code_id, openid, new_follower, at) VALUES (@codeId, @openId, @newFollower, @at)";

    public static Task RecordScanAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, long codeId, string openId, bool newFollower, DateTimeOffset at, CancellationToken cancellationToken) =>
        conn.ExecuteAsync(new CommandDefinition(ScanSql, new { codeId, openId, newFollower, at = at.UtcDateTime }, tx, cancellationToken: cancellationToken));

    private const string TopicsSql = """
        SELECT name FROM reminder_topics WHERE app_id = @appId AND activity_id = @activityId AND enabled ORDER BY id
        """;

    /// <summary>The enabled reminder topics of an activity on this account.</summary>
    public static async Task<IReadOnlyList<string>> ActivityTopicsAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, string appId, long activityId, CancellationToken cancellationToken) =>
        (await conn.QueryAsync<string>(new CommandDefinition(TopicsSql, new { appId, activityId }, tx, cancellationToken: cancellationToken))).ToList();
}
