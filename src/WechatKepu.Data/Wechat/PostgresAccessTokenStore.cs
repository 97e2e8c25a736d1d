using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;
using WechatKepu.Wechat.Tokens;

namespace WechatKepu.Data.Wechat;

/// <summary>
/// The shared access tokens in <c>wechat_access_tokens</c>. The refresh right is a session-level
/// advisory lock per appId, held on its own connection for the length of one stable_token call: it goes
/// away with the connection if the holder dies, and readers of the row never wait for it.
/// </summary>
public sealed class PostgresAccessTokenStore(NpgsqlDataSource dataSource) : IAccessTokenStore
{
    private static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    public async Task<StoredAccessToken?> GetAsync(string appId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ReadAsync(connection, appId, cancellationToken);
    }

    public async Task<IAccessTokenRefreshLease?> TryAcquireRefreshAsync(string appId, bool wait, CancellationToken cancellationToken)
    {
        const string tryLock = """SELECT pg_try_advisory_lock(@key)""";
        const string waitLock = """SELECT pg_advisory_lock(@key)""";
        var key = LockKey(appId);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            if (wait)
            {
                await connection.ExecuteAsync(new CommandDefinition(waitLock, new { key }, cancellationToken: cancellationToken));
            }
            else if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(tryLock, new { key }, cancellationToken: cancellationToken)))
            {
                await connection.DisposeAsync();
                return null;
            }

            var current = await ReadAsync(connection, appId, cancellationToken);
            return new Lease(connection, key, current);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<bool> InvalidateAsync(string appId, string failedToken, DateTimeOffset now, CancellationToken cancellationToken)
    {
        const string sql = """
            UPDATE wechat_access_tokens
            SET expires_at = @now
            WHERE app_id = @appId AND token = @failedToken AND expires_at > @now
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.ExecuteAsync(new CommandDefinition(sql,
            new { appId, failedToken, now = now.UtcDateTime }, cancellationToken: cancellationToken));
        return rows == 1;
    }

    public async Task<bool> TryTakeForceRefreshAsync(
        string appId, DateTimeOffset now, TimeSpan minInterval, int dailyLimit, CancellationToken cancellationToken)
    {
        // WeChat's daily quotas reset at midnight China time.
        const string sql = """
            UPDATE wechat_access_tokens
            SET force_refreshed_at = @now,
                force_refresh_count = CASE WHEN force_refresh_day = @day THEN force_refresh_count + 1 ELSE 1 END,
                force_refresh_day = @day
            WHERE app_id = @appId
              AND (force_refreshed_at IS NULL OR force_refreshed_at <= @earliest)
              AND (force_refresh_day IS DISTINCT FROM @day OR force_refresh_count < @dailyLimit)
            """;
        var day = now.ToOffset(ChinaOffset).Date;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.ExecuteAsync(new CommandDefinition(sql, new
        {
            appId,
            now = now.UtcDateTime,
            earliest = (now - minInterval).UtcDateTime,
            day = DateOnly.FromDateTime(day),
            dailyLimit,
        }, cancellationToken: cancellationToken));
        return rows == 1;
    }

    private static async Task<StoredAccessToken?> ReadAsync(NpgsqlConnection connection, string appId, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT app_id, token, expires_at, refreshed_at
            FROM wechat_access_tokens
            WHERE app_id = @appId
            """;
        var row = await connection.QuerySingleOrDefaultAsync<TokenRow>(
            new CommandDefinition(sql, new { appId }, cancellationToken: cancellationToken));
        return row?.ToStoredToken();
    }

    /// <summary>A 64-bit advisory-lock key per appId, in a namespace of its own (the prefix) so it cannot meet other locks.</summary>
    private static long LockKey(string appId) =>
        BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes("wechat_access_tokens:" + appId)));

    private sealed record TokenRow(string app_id, string token, DateTime expires_at, DateTime refreshed_at)
    {
        public StoredAccessToken ToStoredToken() => new(app_id, token,
            new DateTimeOffset(DateTime.SpecifyKind(expires_at, DateTimeKind.Utc)),
            new DateTimeOffset(DateTime.SpecifyKind(refreshed_at, DateTimeKind.Utc)));
    }

    private sealed class Lease(NpgsqlConnection connection, long key, StoredAccessToken? current) : IAccessTokenRefreshLease
    {
        public StoredAccessToken? Current => current;

        public async Task SaveAsync(StoredAccessToken token, CancellationToken cancellationToken)
        {
            const string sql = """
                INSERT INTO wechat_access_tokens (app_id, token, expires_at, refreshed_at)
                VALUES (@AppId, @Token, @ExpiresAt, @RefreshedAt)
                ON CONFLICT (app_id) DO UPDATE
                SET token = excluded.token, expires_at = excluded.expires_at, refreshed_at = excluded.refreshed_at
                """;
            await connection.ExecuteAsync(new CommandDefinition(sql, new
            {
                token.AppId,
                token.Token,
                ExpiresAt = token.ExpiresAt.UtcDateTime,
                RefreshedAt = token.RefreshedAt.UtcDateTime,
            }, cancellationToken: cancellationToken));
        }

        public async ValueTask DisposeAsync()
        {
            const string sql = """SELECT pg_advisory_unlock(@key)""";
            try
            {
                await connection.ExecuteAsync(sql, new { key });
            }
            catch (Exception)
            {
                // Pooled connections are not reset on reuse (DataSetup): one that may still hold the lock
                // must not go back to the pool.
                NpgsqlConnection.ClearPool(connection);
                throw;
            }
            finally
            {
                // Even if the unlock failed, a broken connection takes its lock with it.
                await connection.DisposeAsync();
            }
        }
    }
}
