using System.Security.Cryptography;
using Dapper;
using Npgsql;

namespace WechatKepu.Data.Parents;

/// <summary>
/// Server-side keys (check-in code HMAC, login token derivation) shared by every instance through
/// PostgreSQL: created once, at random, by whichever instance needs one first.
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
}
