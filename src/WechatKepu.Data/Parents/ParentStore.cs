using Dapper;
using Npgsql;

namespace WechatKepu.Data.Parents;

/// <summary>A guardian's profile, consent and children. Every query is scoped by the caller's user id.</summary>
public sealed class ParentStore(NpgsqlDataSource dataSource)
{
    private const string GuardianSql = "SELECT * FROM guardians WHERE user_id = @userId";
    private const string ConsentSql = """
        SELECT privacy_notice_version, consented_at FROM guardian_consents
        WHERE user_id = @userId ORDER BY consented_at DESC, id DESC LIMIT 1
        """;
    private const string ChildrenSql = "SELECT * FROM children WHERE user_id = @userId ORDER BY id";

    public async Task<(GuardianRow? Guardian, ConsentRow? Consent, IReadOnlyList<ChildRow> Children)> GetProfileAsync(
        long userId, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var multi = await conn.QueryMultipleAsync(new CommandDefinition(
            GuardianSql + ";" + ConsentSql + ";" + ChildrenSql, new { userId }, cancellationToken: cancellationToken));
        var guardian = await multi.ReadSingleOrDefaultAsync<GuardianRow>();
        var consent = await multi.ReadSingleOrDefaultAsync<ConsentRow>();
        var children = (await multi.ReadAsync<ChildRow>()).ToList();
        return (guardian, consent, children);
    }

    private const string UpsertGuardian = """
        INSERT INTO guardians (user_id, name, phone, created_at, updated_at) VALUES (@userId, @name, @phone, @now, @now)
        ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, phone = excluded.phone, updated_at = excluded.updated_at
        """;

    public async Task SaveGuardianAsync(long userId, string name, string phone, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(UpsertGuardian,
            new { userId, name, phone, now = now.UtcDateTime }, cancellationToken: cancellationToken));
    }

    private const string InsertConsent = """
        INSERT INTO guardian_consents (user_id, privacy_notice_version, consented_at) VALUES (@userId, @version, @now)
        ON CONFLICT (user_id, privacy_notice_version) DO NOTHING;
        SELECT privacy_notice_version, consented_at FROM guardian_consents WHERE user_id = @userId AND privacy_notice_version = @version;
        """;

    /// <summary>Records consent to <paramref name="version"/>; consenting again keeps the first time.</summary>
    public async Task<ConsentRow> RecordConsentAsync(long userId, string version, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleAsync<ConsentRow>(new CommandDefinition(InsertConsent,
            new { userId, version, now = now.UtcDateTime }, cancellationToken: cancellationToken));
    }

    private const string HasConsentSql = "SELECT EXISTS (SELECT 1 FROM guardian_consents WHERE user_id = @userId AND privacy_notice_version = @version)";

    public async Task<bool> HasConsentAsync(long userId, string version, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteScalarAsync<bool>(new CommandDefinition(HasConsentSql, new { userId, version }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<ChildRow>> ChildrenAsync(long userId, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<ChildRow>(new CommandDefinition(ChildrenSql, new { userId }, cancellationToken: cancellationToken))).ToList();
    }

    // The guardian's row lock serialises their own writes, so the cap cannot be raced past.
    private const string InsertChild = """
        WITH me AS (SELECT id FROM mp_users WHERE id = @userId FOR UPDATE),
             n AS (SELECT count(*) AS c FROM children WHERE user_id = @userId)
        INSERT INTO children (user_id, name, grade, birth_year_month, school, gender, created_at, updated_at)
        SELECT @userId, @Name, @Grade, @BirthYearMonth, @School, @Gender, @now, @now FROM me, n WHERE n.c < @max
        RETURNING *
        """;

    /// <summary>Adds a child; null when the guardian already has <paramref name="max"/> children.</summary>
    public async Task<ChildRow?> AddChildAsync(long userId, ChildInput child, int max, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<ChildRow>(new CommandDefinition(InsertChild, new
        {
            userId, child.Name, child.Grade, BirthYearMonth = child.BirthYearMonth?.ToDateTime(TimeOnly.MinValue),
            child.School, child.Gender, now = now.UtcDateTime, max,
        }, cancellationToken: cancellationToken));
    }

    private const string UpdateChild = """
        UPDATE children SET name = @Name, grade = @Grade, birth_year_month = @BirthYearMonth, school = @School,
                            gender = @Gender, updated_at = @now
        WHERE id = @id AND user_id = @userId
        RETURNING *
        """;

    public async Task<ChildRow?> UpdateChildAsync(long userId, long id, ChildInput child, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<ChildRow>(new CommandDefinition(UpdateChild, new
        {
            id, userId, child.Name, child.Grade, BirthYearMonth = child.BirthYearMonth?.ToDateTime(TimeOnly.MinValue),
            child.School, child.Gender, now = now.UtcDateTime,
        }, cancellationToken: cancellationToken));
    }

    public enum DeleteChildResult { Deleted, NotFound, HasActiveSignups }

    private const string DeleteChild = """
        WITH c AS (SELECT id FROM children WHERE id = @id AND user_id = @userId FOR UPDATE),
             active AS (SELECT EXISTS (SELECT 1 FROM signups s JOIN c ON s.child_id = c.id
                                       WHERE s.status IN ('confirmed', 'waitlisted')) AS has_active),
             del AS (DELETE FROM children WHERE id IN (SELECT id FROM c) AND NOT (SELECT has_active FROM active) RETURNING id)
        SELECT (SELECT count(*) FROM c) AS found, (SELECT has_active FROM active) AS has_active, (SELECT count(*) FROM del) AS deleted
        """;

    public async Task<DeleteChildResult> DeleteChildAsync(long userId, long id, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        var r = await conn.QuerySingleAsync<(long Found, bool Active, long Deleted)>(new CommandDefinition(DeleteChild,
            new { id, userId }, cancellationToken: cancellationToken));
        return r.Found == 0 ? DeleteChildResult.NotFound : r.Active ? DeleteChildResult.HasActiveSignups : DeleteChildResult.Deleted;
    }
}
