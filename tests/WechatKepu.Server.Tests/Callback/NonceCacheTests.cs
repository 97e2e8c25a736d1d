using System.Globalization;
using WechatKepu.Server.Features.Callback;

namespace WechatKepu.Server.Tests.Callback;

/// <summary>The in-memory replay check: distinct requests are never taken for replays, even in bulk.</summary>
public sealed class NonceCacheTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    [Fact]
    public void Half_a_million_distinct_nonces_in_one_second_are_all_accepted()
    {
        // Keys built from 32-bit string hashes collide about 30 times at this count; WeChat's own nonces
        // are random numbers, so a burst of this size must not turn a collision into a refused message.
        var cache = new NonceCache();
        var ts = Now.ToUnixTimeSeconds();
        var refused = 0;
        for (var i = 0; i < 500_000; i++)
        {
            var nonce = (1_000_000_000L + i).ToString(CultureInfo.InvariantCulture);
            if (!cache.TryRecord("wx1", ts, nonce, NonceCache.Fingerprint("sig" + nonce), Now, Window))
            {
                refused++;
            }
        }

        Assert.Equal(0, refused);
        Assert.Equal(500_000, cache.Count);
    }

    [Fact]
    public void A_nonce_repeats_only_with_the_same_request_and_only_for_its_account_and_timestamp()
    {
        var cache = new NonceCache();
        var ts = Now.ToUnixTimeSeconds();
        Assert.True(cache.TryRecord("wx1", ts, "123456", NonceCache.Fingerprint("body-a"), Now, Window));
        Assert.True(cache.TryRecord("wx1", ts, "123456", NonceCache.Fingerprint("body-a"), Now, Window)); // identical replay
        Assert.False(cache.TryRecord("wx1", ts, "123456", NonceCache.Fingerprint("body-b"), Now, Window)); // another body
        Assert.True(cache.TryRecord("wx2", ts, "123456", NonceCache.Fingerprint("body-b"), Now, Window)); // another account
        Assert.True(cache.TryRecord("wx1", ts + 1, "123456", NonceCache.Fingerprint("body-b"), Now, Window)); // another second
    }

    [Fact]
    public void Minutes_outside_the_window_are_forgotten()
    {
        var cache = new NonceCache();
        var old = Now.AddMinutes(-10).ToUnixTimeSeconds();
        Assert.True(cache.TryRecord("wx1", old, "1", NonceCache.Fingerprint("a"), Now.AddMinutes(-10), Window));
        Assert.Equal(1, cache.Count);
        // The first request of a new minute sweeps the buckets no timestamp in the window can reach.
        Assert.True(cache.TryRecord("wx1", Now.ToUnixTimeSeconds(), "2", NonceCache.Fingerprint("b"), Now, Window));
        Assert.Equal(1, cache.Count);
    }
}
