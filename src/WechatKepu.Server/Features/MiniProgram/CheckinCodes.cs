using System.Security.Cryptography;
using System.Text;
using QRCoder;
using WechatKepu.Data.Parents;

namespace WechatKepu.Server.Features.MiniProgram;

/// <summary>
/// Check-in codes a venue can verify offline from the code alone: <c>KP-{signupId}-{signature}</c>,
/// the signature an HMAC-SHA256 under a server key shared by every instance (in PostgreSQL).
/// </summary>
public sealed class CheckinCodes(SecretStore secrets)
{
    public const string KeyName = "checkin-hmac";
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"; // no 0/O or 1/I: staff may type it

    public async Task<string> CreateAsync(long signupId, CancellationToken cancellationToken) =>
        $"KP-{signupId}-{Sign(await secrets.GetAsync(KeyName, cancellationToken), signupId)}";

    /// <summary>The sign-up id a genuine code names, or null for anything forged or malformed.</summary>
    public async Task<long?> VerifyAsync(string? code, CancellationToken cancellationToken)
    {
        var parts = code?.Trim().ToUpperInvariant().Split('-');
        if (parts is not { Length: 3 } || parts[0] != "KP" || !long.TryParse(parts[1], out var id) || id <= 0)
        {
            return null;
        }

        var expected = Sign(await secrets.GetAsync(KeyName, cancellationToken), id);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts[2])) ? id : null;
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
