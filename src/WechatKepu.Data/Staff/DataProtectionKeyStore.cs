using Dapper;
using Npgsql;

namespace WechatKepu.Data.Staff;

public sealed record DataProtectionKeyRow(long Id, string FriendlyName, string KeyId, byte[] Element);

/// <summary>
/// The ASP.NET Data Protection key ring (staff cookie and antiforgery keys) in PostgreSQL, so that every
/// instance reads and writes the same keys. Synchronous: the framework's repository interface is, and it
/// reads the ring only at start and when a key is due.
/// </summary>
public sealed class DataProtectionKeyStore(NpgsqlDataSource dataSource)
{
    private const string ListSql = "SELECT id, friendly_name, key_id, element FROM data_protection_keys ORDER BY id";

    public IReadOnlyList<DataProtectionKeyRow> List()
    {
        using var conn = dataSource.OpenConnection();
        return conn.Query<DataProtectionKeyRow>(ListSql).ToList();
    }

    private const string InsertSql = """
        INSERT INTO data_protection_keys (friendly_name, key_id, element) VALUES (@friendlyName, @keyId, @element)
        ON CONFLICT (friendly_name) DO NOTHING
        """;

    public void Insert(string friendlyName, string keyId, byte[] element)
    {
        using var conn = dataSource.OpenConnection();
        conn.Execute(InsertSql, new { friendlyName, keyId, element });
    }

    private const string RewriteSql = "UPDATE data_protection_keys SET key_id = @keyId, element = @element WHERE id = @id";

    /// <summary>Replaces a row's ciphertext (re-encrypted under the current key after a rotation).</summary>
    public void Rewrite(long id, string keyId, byte[] element)
    {
        using var conn = dataSource.OpenConnection();
        conn.Execute(RewriteSql, new { id, keyId, element });
    }
}
