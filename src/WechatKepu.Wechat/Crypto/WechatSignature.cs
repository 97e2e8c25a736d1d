using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace WechatKepu.Wechat.Crypto;

/// <summary>
/// WeChat's request signatures: lowercase hex SHA1 of the ordinal-sorted concatenation of the parts
/// (<c>signature</c> over token, timestamp, nonce; <c>msg_signature</c> adds the <c>Encrypt</c> value).
/// </summary>
public static class WechatSignature
{
    private const int HexLength = 40;

    // Hashing input up to this size lives on the stack; a larger Encrypt value goes through the pool.
    private const int StackBufferBytes = 1024;

    /// <summary>Computes the signature of <paramref name="parts"/> in any order.</summary>
    /// <returns>40 lowercase hex characters.</returns>
    public static string Compute(params string[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        foreach (var part in parts)
        {
            ArgumentNullException.ThrowIfNull(part, nameof(parts));
        }

        var sorted = (string[])parts.Clone();
        Span<char> hex = stackalloc char[HexLength];
        ComputeSorted(sorted, hex);
        return new string(hex);
    }

    /// <summary>Checks the <c>signature</c> query parameter of a callback or URL-verification request.</summary>
    /// <returns><see langword="false"/> when any value is missing or the signature differs.</returns>
    public static bool Verify(string token, string? timestamp, string? nonce, string? signature)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (timestamp is null || nonce is null)
        {
            return false;
        }

        var buffer = new Parts();
        return Matches(Fill(buffer, token, timestamp, nonce), signature);
    }

    /// <summary>Checks the <c>msg_signature</c> of an encrypted callback against its <c>Encrypt</c> value.</summary>
    /// <returns><see langword="false"/> when any value is missing or the signature differs.</returns>
    public static bool VerifyMessage(string token, string? timestamp, string? nonce, string? encrypt, string? msgSignature)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (timestamp is null || nonce is null || encrypt is null)
        {
            return false;
        }

        var buffer = new Parts();
        return Matches(Fill(buffer, token, timestamp, nonce, encrypt), msgSignature);
    }

    /// <summary>The <c>msg_signature</c> we put on an encrypted reply.</summary>
    internal static string ComputeMessage(string token, string timestamp, string nonce, string encrypt)
    {
        var buffer = new Parts();
        Span<char> hex = stackalloc char[HexLength];
        ComputeSorted(Fill(buffer, token, timestamp, nonce, encrypt), hex);
        return new string(hex);
    }

    private static Span<string> Fill(Span<string> buffer, string token, string timestamp, string nonce, string? encrypt = null)
    {
        buffer[0] = token;
        buffer[1] = timestamp;
        buffer[2] = nonce;
        if (encrypt is null)
        {
            return buffer[..3];
        }

        buffer[3] = encrypt;
        return buffer;
    }

    private static bool Matches(Span<string> parts, string? signature)
    {
        // The length of a signature is public (always 40), so rejecting on length leaks nothing.
        if (signature is null || signature.Length != HexLength)
        {
            return false;
        }

        Span<char> expected = stackalloc char[HexLength];
        ComputeSorted(parts, expected);
        return CryptographicOperations.FixedTimeEquals(
            MemoryMarshal.AsBytes((ReadOnlySpan<char>)expected),
            MemoryMarshal.AsBytes(signature.AsSpan()));
    }

    /// <summary>Sorts <paramref name="parts"/> in place (ordinal) and writes the hex SHA1 of their concatenation.</summary>
    private static void ComputeSorted(Span<string> parts, Span<char> hexDestination)
    {
        parts.Sort(StringComparer.Ordinal);

        var byteCount = 0;
        foreach (var part in parts)
        {
            byteCount += Encoding.UTF8.GetByteCount(part);
        }

        byte[]? rented = null;
        var buffer = byteCount <= StackBufferBytes
            ? stackalloc byte[StackBufferBytes]
            : (rented = ArrayPool<byte>.Shared.Rent(byteCount));
        try
        {
            var written = 0;
            foreach (var part in parts)
            {
                written += Encoding.UTF8.GetBytes(part, buffer[written..]);
            }

            Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
            SHA1.HashData(buffer[..written], hash);
            Convert.TryToHexStringLower(hash, hexDestination, out _);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    // Room for token, timestamp, nonce and Encrypt without allocating an array per request.
    [InlineArray(4)]
    private struct Parts
    {
        private string _element;
    }
}
