using Dapper;
using Npgsql;

namespace WechatKepu.Data.Staff;

public sealed record StaffAccountRow
{
    public long Id { get; init; }
    public string Username { get; init; } = "";
    public string DisplayName { get; init; } = "";
    public string Role { get; init; } = "";
    public string? Unit { get; init; }
    public string PasswordHash { get; init; } = "";
    public string? Openid { get; init; }
    public int FailedCount { get; init; }
    public DateTime? LockedUntil { get; init; }
    public bool Disabled { get; init; }
    public DateTime? LastLoginAt { get; init; }
    public DateTime CreatedAt { get; init; }

    /// <summary>Changes whenever the account is disabled or its role, unit or password changes; staff cookies carry it.</summary>
    public string SecurityStamp { get; init; } = "";
}

/// <summary>One sign-in attempt counted before the password is checked: the attempt's number and the lock, if any.</summary>
public sealed record SignInAttempt(int Attempt, DateTime? LockedUntil);

public sealed record NewStaffAccount(string Username, string DisplayName, string Role, string? Unit, string PasswordHash, string? Openid);

/// <summary>Staff accounts of the console, with the failure counter that drives lockout.</summary>
public sealed class StaffStore(NpgsqlDataSource dataSource)
{
    private const string ByNameSql = "SELECT * FROM staff_accounts WHERE lower(username) = lower(@username)";

    public async Task<StaffAccountRow?> FindAsync(string username, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<StaffAccountRow>(new CommandDefinition(ByNameSql, new { username }, cancellationToken: cancellationToken));
    }

    private const string ByIdSql = "SELECT * FROM staff_accounts WHERE id = @id";

    public async Task<StaffAccountRow?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<StaffAccountRow>(new CommandDefinition(ByIdSql, new { id }, cancellationToken: cancellationToken));
    }

    private const string ListSql = "SELECT * FROM staff_accounts ORDER BY id";

    public async Task<IReadOnlyList<StaffAccountRow>> ListAsync(CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<StaffAccountRow>(new CommandDefinition(ListSql, cancellationToken: cancellationToken))).ToList();
    }

    private const string InsertSql = """
        INSERT INTO staff_accounts (username, display_name, role, unit, password_hash, openid)
        VALUES (@Username, @DisplayName, @Role, @Unit, @PasswordHash, @Openid)
        ON CONFLICT DO NOTHING
        RETURNING id
        """;

    /// <summary>The new account's id, or null when the username is taken.</summary>
    public async Task<long?> CreateAsync(NewStaffAccount account, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteScalarAsync<long?>(new CommandDefinition(InsertSql, account, cancellationToken: cancellationToken));
    }

    /// <summary>NOTIFY channel whose payload is the id of a staff account that changed: every instance re-reads it.</summary>
    public const string ChangedChannel = "staff_changed";

    // Omitting disabled keeps it as it is. Disabling, or a new role, unit or password, draws a new stamp,
    // which ends every session of the account (StaffSessions); the notification reaches every instance.
    private const string UpdateSql = """
        WITH changed AS (
            UPDATE staff_accounts SET display_name = @displayName, role = @role, unit = @unit, openid = @openid,
                   disabled = coalesce(@disabled, disabled), password_hash = coalesce(@passwordHash, password_hash),
                   failed_count = CASE WHEN @passwordHash IS NULL THEN failed_count ELSE 0 END,
                   locked_until = CASE WHEN @passwordHash IS NULL THEN locked_until END,
                   security_stamp = CASE
                       WHEN role IS DISTINCT FROM @role OR unit IS DISTINCT FROM @unit OR @passwordHash IS NOT NULL
                            OR (@disabled AND NOT disabled)
                       THEN gen_random_uuid()::text ELSE security_stamp END,
                   updated_at = now()
            WHERE id = @id
            RETURNING id)
        SELECT count(*) FROM changed, pg_notify(@channel, @id::text)
        """;

    /// <summary>Updates an account; a null <paramref name="disabled"/> leaves that flag as it is.</summary>
    public async Task<bool> UpdateAsync(
        long id, string displayName, string role, string? unit, string? openid, bool? disabled, string? passwordHash, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteScalarAsync<long>(new CommandDefinition(UpdateSql,
            new { id, displayName, role, unit, openid, disabled, passwordHash, channel = ChangedChannel }, cancellationToken: cancellationToken)) == 1;
    }

    // Every attempt is counted before its password is checked, in one statement under the row lock: of any
    // number of parallel guesses only the first maxFailures are checked, the next one locks the account and
    // the rest find it locked. A lock that has run out starts a fresh count.
    private const string AttemptSql = """
        UPDATE staff_accounts SET
            failed_count = CASE WHEN locked_until > @now THEN failed_count
                                WHEN locked_until IS NOT NULL THEN 1
                                ELSE failed_count + 1 END,
            locked_until = CASE WHEN locked_until > @now THEN locked_until
                                WHEN locked_until IS NULL AND failed_count + 1 > @maxFailures THEN @until
                                END,
            updated_at = now()
        WHERE id = @id
        RETURNING failed_count AS attempt, locked_until
        """;

    /// <summary>Counts a sign-in attempt before its password is checked; the account may now be locked.</summary>
    public async Task<SignInAttempt> BeginSignInAsync(long id, int maxFailures, DateTimeOffset now, DateTimeOffset lockUntil, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleAsync<SignInAttempt>(new CommandDefinition(AttemptSql,
            new { id, maxFailures, now = now.UtcDateTime, until = lockUntil.UtcDateTime }, cancellationToken: cancellationToken));
    }

    private const string LockSql = """
        UPDATE staff_accounts SET locked_until = @until, updated_at = now()
        WHERE id = @id AND (locked_until IS NULL OR locked_until <= @now)
        RETURNING locked_until
        """;

    /// <summary>Locks the account after the last allowed wrong password (unless it is locked already).</summary>
    public async Task LockAsync(long id, DateTimeOffset now, DateTimeOffset lockUntil, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(LockSql, new { id, now = now.UtcDateTime, until = lockUntil.UtcDateTime }, cancellationToken: cancellationToken));
    }

    private const string SuccessSql = """
        UPDATE staff_accounts SET failed_count = 0, locked_until = NULL, last_login_at = @now, password_hash = coalesce(@rehash, password_hash)
        WHERE id = @id
        """;

    public async Task RecordSuccessAsync(long id, DateTimeOffset now, string? rehash, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(SuccessSql, new { id, now = now.UtcDateTime, rehash }, cancellationToken: cancellationToken));
    }
}
