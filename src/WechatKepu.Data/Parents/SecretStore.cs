using System.Security.Cryptography;
using Dapper;
using Npgsql;

namespace WechatKepu.Data.Parents;

/// <summary>
/// Server-side keys (check-in code HMAC, login token derivation) shared by every instance through
/// PostgreSQL: created once, at random, by whichever instance needs one first. A rotated key keeps its
/// predecessor under <c>name.previous</c>.
/// </summary>
public sealed class SecretStore(NpgsqlDataSource dataSource)
{
    private readonly Dictionary<string, byte[]> _cache = new(StringComparer.Ordinal);

    private const string Upsert = """
        INSERT INTO server_secrets (name, value) VALUES (@name, @value)
        ON CONFLICT (name) DO NOTHING;
        SELECT value FROM server_secrets WHERE name = @name;
        """;

    public async Task<byte[]> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        lock (_cache)
        {
            if (_cache.TryGetValue(name, out var cached))
            {
                return cached;
            }
        }

        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        var value = await conn.QuerySingleAsync<byte[]>(new CommandDefinition(Upsert,
            new { name, value = RandomNumberGenerator.GetBytes(32) }, cancellationToken: cancellationToken));
        lock (_cache)
        {
            _cache[name] = value;
        }

        return value;
    }

    public const string PreviousSuffix = ".previous";

    private const string PairSql = Upsert + """

        SELECT (SELECT value FROM server_secrets WHERE name = @name) AS current,
               (SELECT value FROM server_secrets WHERE name = @previous) AS previous;
        """;

    /// <summary>A rotatable key as it is now in the database (not cached): the current value and the one before.</summary>
    public async Task<(byte[] Current, byte[]? Previous)> GetWithPreviousAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var multi = await conn.QueryMultipleAsync(new CommandDefinition(PairSql,
            new { name, previous = name + PreviousSuffix, value = RandomNumberGenerator.GetBytes(32) }, cancellationToken: cancellationToken));
        await multi.ReadAsync<byte[]>();
        return await multi.ReadSingleAsync<(byte[], byte[]?)>();
    }

    private const string RotateSql = """
        INSERT INTO server_secrets (name, value) SELECT @previous, value FROM server_secrets WHERE name = @name
        ON CONFLICT (name) DO UPDATE SET value = excluded.value, created_at = now();
        INSERT INTO server_secrets (name, value) VALUES (@name, @value)
        ON CONFLICT (name) DO UPDATE SET value = excluded.value, created_at = now();
        """;

    /// <summary>Replaces a key by a new random one; the old one becomes <c>name.previous</c> (the one before that is gone).</summary>
    public async Task RotateAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(RotateSql,
            new { name, previous = name + PreviousSuffix, value = RandomNumberGenerator.GetBytes(32) }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        lock (_cache)
        {
            _cache.Remove(name);
        }
    }
}
