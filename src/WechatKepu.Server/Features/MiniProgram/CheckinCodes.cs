using System.Security.Cryptography;
using System.Text;
using QRCoder;
using WechatKepu.Data.Parents;

namespace WechatKepu.Server.Features.MiniProgram;

/// <summary>
/// Check-in codes a venue can verify offline from the code alone: <c>KP-{signupId}-{signature}</c>,
/// the signature an HMAC-SHA256 under a server key shared by every instance (in PostgreSQL). The key
/// can be rotated (<c>--rotate-checkin-key</c>): new codes use the new key within a minute on every
/// instance, and codes already shown to parents keep working under the previous key until the next rotation.
/// </summary>
public sealed class CheckinCodes(SecretStore secrets, TimeProvider clock)
{
    public const string KeyName = "checkin-hmac";
    public const string RotateSwitch = "--rotate-checkin-key";

    /// <summary>How long an instance uses the keys it read before reading them again (and seeing a rotation).</summary>
    public static readonly TimeSpan KeyLifetime = TimeSpan.FromMinutes(1);

    private volatile Keys? _keys;
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"; // no 0/O or 1/I: staff may type it

    public async Task<string> CreateAsync(long signupId, CancellationToken cancellationToken) =>
        $"KP-{signupId}-{Sign((await KeysAsync(cancellationToken)).Current, signupId)}";

    /// <summary>The sign-up id a genuine code names, or null for anything forged or malformed.</summary>
    public async Task<long?> VerifyAsync(string? code, CancellationToken cancellationToken)
    {
        var parts = code?.Trim().ToUpperInvariant().Split('-');
        if (parts is not { Length: 3 } || parts[0] != "KP" || !long.TryParse(parts[1], out var id) || id <= 0)
        {
            return null;
        }

        var (current, previous, _) = await KeysAsync(cancellationToken);
        var given = Encoding.ASCII.GetBytes(parts[2]);
        // Both compared, always: the time taken says nothing about which key (if any) matched.
        var matchesCurrent = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(current, id)), given);
        var matchesPrevious = previous is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(previous, id)), given);
        return matchesCurrent | matchesPrevious ? id : null;
    }

    private sealed record Keys(byte[] Current, byte[]? Previous, DateTimeOffset ReadAt);

    private async Task<Keys> KeysAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_keys is { } keys && now - keys.ReadAt < KeyLifetime && now >= keys.ReadAt)
        {
            return keys;
        }

        var (current, previous) = await secrets.GetWithPreviousAsync(KeyName, cancellationToken);
        return _keys = new Keys(current, previous, now);
    }

    /// <summary><c>--rotate-checkin-key</c>: rotates the key and exits; null when the switch is absent.</summary>
    public static async Task<int?> RunRotateCommandAsync(WebApplication app, string[] args)
    {
        if (!args.Contains(RotateSwitch))
        {
            return null;
        }

        await app.Services.GetRequiredService<Data.Migrations.SchemaMigrator>().MigrateAsync();
        await app.Services.GetRequiredService<SecretStore>().RotateAsync(KeyName);
        System.Console.WriteLine("Check-in key rotated: new codes within a minute on every instance; codes already issued stay valid until the next rotation.");
        return 0;
    }

    public static byte[] QrPng(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        return new PngByteQRCode(data).GetGraphic(10);
    }

    private static string Sign(byte[] key, long signupId)
    {
        var mac = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes($"checkin:{signupId}"));
        var sb = new StringBuilder(12);
        for (var i = 0; i < 12; i++)
        {
            sb.Append(Alphabet[mac[i] % Alphabet.Length]);
        }

        return sb.ToString();
    }
}
