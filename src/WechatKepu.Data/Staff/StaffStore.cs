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
}

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

    private const string UpdateSql = """
        UPDATE staff_accounts SET display_name = @displayName, role = @role, unit = @unit, openid = @openid,
               disabled = @disabled, password_hash = coalesce(@passwordHash, password_hash),
               failed_count = CASE WHEN @passwordHash IS NULL THEN failed_count ELSE 0 END,
               locked_until = CASE WHEN @passwordHash IS NULL THEN locked_until END,
               updated_at = now()
        WHERE id = @id
        """;

    public async Task<bool> UpdateAsync(
        long id, string displayName, string role, string? unit, string? openid, bool disabled, string? passwordHash, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition(UpdateSql,
            new { id, displayName, role, unit, openid, disabled, passwordHash }, cancellationToken: cancellationToken)) == 1;
    }

    // One statement, so that concurrent wrong guesses all count: the counter only moves under the row lock.
    private const string FailSql = """
        UPDATE staff_accounts
        SET failed_count = CASE WHEN failed_count + 1 >= @maxFailures THEN 0 ELSE failed_count + 1 END,
            locked_until = CASE WHEN failed_count + 1 >= @maxFailures THEN @until ELSE locked_until END,
            updated_at = now()
        WHERE id = @id
        RETURNING locked_until
        """;

    /// <summary>Counts a failed sign-in; returns when the account is locked until, if this failure locked it.</summary>
    public async Task<DateTime?> RecordFailureAsync(long id, int maxFailures, DateTimeOffset lockUntil, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteScalarAsync<DateTime?>(new CommandDefinition(FailSql,
            new { id, maxFailures, until = lockUntil.UtcDateTime }, cancellationToken: cancellationToken));
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
