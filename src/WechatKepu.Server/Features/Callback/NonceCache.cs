using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace WechatKepu.Server.Features.Callback;

/// <summary>
/// The nonces of signed plaintext-mode requests seen inside the timestamp window, in memory (checked before
/// any database access). A nonce may come back only with the very same body: an identical replay is answered
/// from the dedup table like a retry and does no harm, while the same nonce on a different body is a forgery
/// (in plaintext mode the signature does not cover the body). Encrypted requests are not recorded: their
/// msg_signature covers the body, and WeChat's own retries re-encrypt it under the same nonce.
/// </summary>
/// <remarks>
/// Entries are 64-bit hashes (XxHash3, seeded per process) bucketed by the request's timestamp minute; a bucket is dropped once every
/// timestamp in it is outside the window, since such requests are refused anyway. Memory is about 50 bytes
/// per request in the last 2 × window. Each instance has its own cache: a replay sent to another instance
/// still meets the signature, the window and the dedup table.
/// </remarks>
public sealed class NonceCache
{
    private readonly ConcurrentDictionary<long, ConcurrentDictionary<long, long>> _buckets = new();

    // Per process, so nobody outside can aim requests at one hash.
    private static readonly long Seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));

    /// <summary>Records the nonce, or checks that a repeat of it carries the same request.</summary>
    /// <returns>False when the nonce was seen with a different fingerprint.</returns>
    public bool TryRecord(string appId, long timestamp, string nonce, long fingerprint, DateTimeOffset now, TimeSpan window)
    {
        var minute = timestamp / 60;
        if (!_buckets.TryGetValue(minute, out var bucket))
        {
            bucket = _buckets.GetOrAdd(minute, _ => new ConcurrentDictionary<long, long>());
            Sweep(now, window);
        }

        // A 64-bit hash of the whole (account, timestamp, nonce): at a million requests in a minute the
        // chance that two distinct ones share a key is about 3 in 100 million.
        return bucket.GetOrAdd(Key(appId, timestamp, nonce), fingerprint) == fingerprint;
    }

    public int Count => _buckets.Values.Sum(b => b.Count);

    private void Sweep(DateTimeOffset now, TimeSpan window)
    {
        var oldest = (now - window).ToUnixTimeSeconds() / 60 - 1;
        foreach (var minute in _buckets.Keys)
        {
            if (minute < oldest)
            {
                _buckets.TryRemove(minute, out _);
            }
        }
    }

    private static long Key(string appId, long timestamp, string nonce)
    {
        var length = appId.Length + 1 + nonce.Length;
        Span<char> text = length <= 128 ? stackalloc char[128] : new char[length];
        appId.CopyTo(text);
        text[appId.Length] = '\n';
        nonce.CopyTo(text[(appId.Length + 1)..]);
        return (long)XxHash3.HashToUInt64(MemoryMarshal.AsBytes(text[..length]), Seed ^ timestamp);
    }

    /// <summary>A 64-bit fingerprint of the part of a request its signature does not already pin down.</summary>
    public static long Fingerprint(string value) => (long)XxHash3.HashToUInt64(MemoryMarshal.AsBytes(value.AsSpan()), Seed);
}
