using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Staff;

namespace WechatKepu.Server.Infrastructure;

public sealed class DataProtectionKeyOptions
{
    public const string Section = "DataProtection";

    /// <summary>
    /// 32 bytes, base64: encrypts the key ring in PostgreSQL (AES-256-GCM). Required in Production; without
    /// it (Development, tests) the keys are stored as plain XML.
    /// </summary>
    public string? KeyEncryptionKey { get; set; }

    /// <summary>The key before a rotation: rows still under it are read and re-encrypted under the current one.</summary>
    public string? PreviousKeyEncryptionKey { get; set; }
}

public static class DataProtectionSetup
{
    public static IServiceCollection AddKepuDataProtection(this IServiceCollection services)
    {
        services.AddOptions<DataProtectionKeyOptions>().BindConfiguration(DataProtectionKeyOptions.Section)
            .Validate(o => PostgresXmlRepository.Key(o.KeyEncryptionKey) is not null || string.IsNullOrEmpty(o.KeyEncryptionKey),
                "DataProtection:KeyEncryptionKey must be 32 bytes in base64 (openssl rand -base64 32)")
            .Validate(o => PostgresXmlRepository.Key(o.PreviousKeyEncryptionKey) is not null || string.IsNullOrEmpty(o.PreviousKeyEncryptionKey),
                "DataProtection:PreviousKeyEncryptionKey must be 32 bytes in base64")
            .Validate<IHostEnvironment>((o, env) => !env.IsProduction() || PostgresXmlRepository.Key(o.KeyEncryptionKey) is not null,
                "DataProtection:KeyEncryptionKey is required in Production: it encrypts the cookie keys kept in PostgreSQL")
            .ValidateOnStart();
        services.AddSingleton<DataProtectionKeyStore>();
        services.AddSingleton<PostgresXmlRepository>();
        // One application name: otherwise the content root path separates the instances' keys.
        services.AddDataProtection().SetApplicationName("WechatKepu");
        services.AddOptions<KeyManagementOptions>().Configure<PostgresXmlRepository>((o, repository) => o.XmlRepository = repository);
        return services;
    }
}

/// <summary>
/// One key ring for every instance: ASP.NET Data Protection (staff cookies, antiforgery tokens) keeps its
/// keys in PostgreSQL, each XML element AES-GCM encrypted under a key from configuration, with its
/// friendly name as associated data. The whole element is encrypted here, so the framework's own
/// per-key XML encryptor is not configured (it logs that a new key is not encrypted: it is, here).
/// </summary>
public sealed class PostgresXmlRepository(DataProtectionKeyStore store, IOptions<DataProtectionKeyOptions> options, ILogger<PostgresXmlRepository> logger)
    : IXmlRepository
{
    private const string Plain = "plain";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        var (current, currentId) = Current();
        var previous = Key(options.Value.PreviousKeyEncryptionKey);
        var elements = new List<XElement>();
        foreach (var row in store.List())
        {
            var xml = row.KeyId == Plain ? row.Element
                : row.KeyId == currentId && current is not null ? Decrypt(current, row)
                : previous is not null && row.KeyId == KeyId(previous) ? Decrypt(previous, row)
                : null;
            if (xml is null)
            {
                logger.LogError("Data Protection key {Name} is encrypted under key {KeyId}, which is neither DataProtection:KeyEncryptionKey nor the previous one: skipped",
                    row.FriendlyName, row.KeyId);
                continue;
            }

            if (row.KeyId != currentId)
            {
                store.Rewrite(row.Id, currentId, Protect(current, xml, row.FriendlyName));
            }

            elements.Add(XElement.Parse(Encoding.UTF8.GetString(xml)));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        var (current, currentId) = Current();
        store.Insert(friendlyName, currentId, Protect(current, Encoding.UTF8.GetBytes(element.ToString(SaveOptions.DisableFormatting)), friendlyName));
    }

    private (byte[]? Key, string Id) Current() => Key(options.Value.KeyEncryptionKey) is { } key ? (key, KeyId(key)) : (null, Plain);

    internal static byte[]? Key(string? base64)
    {
        try
        {
            return base64 is { Length: > 0 } && Convert.FromBase64String(base64) is { Length: 32 } key ? key : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Names a key without revealing it: the first 8 hex digits of its SHA-256.</summary>
    private static string KeyId(byte[] key) => Convert.ToHexString(SHA256.HashData(key), 0, 4).ToLowerInvariant();

    private static byte[] Protect(byte[]? key, byte[] plaintext, string friendlyName)
    {
        if (key is null)
        {
            return plaintext;
        }

        var sealedBytes = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(NonceSize, plaintext.Length), sealedBytes.AsSpan(NonceSize + plaintext.Length), Encoding.UTF8.GetBytes(friendlyName));
        return sealedBytes;
    }

    private byte[]? Decrypt(byte[] key, DataProtectionKeyRow row)
    {
        var data = row.Element;
        if (data.Length < NonceSize + TagSize)
        {
            return null;
        }

        var plaintext = new byte[data.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(data.AsSpan(0, NonceSize), data.AsSpan(NonceSize, plaintext.Length), data.AsSpan(NonceSize + plaintext.Length), plaintext,
                Encoding.UTF8.GetBytes(row.FriendlyName));
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            logger.LogError("Data Protection key {Name} does not decrypt under its key {KeyId}", row.FriendlyName, row.KeyId);
            return null;
        }
    }
}
