using System.Collections.Concurrent;

namespace WechatKepu.Wechat.Tokens;

/// <summary>
/// An <see cref="IAccessTokenStore"/> for a single process (tools, tests, the benchmarks). Several backend
/// instances must share <c>PostgresAccessTokenStore</c> instead, or each would refresh on its own.
/// </summary>
public sealed class InMemoryAccessTokenStore : IAccessTokenStore
{
    private static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);
    private readonly ConcurrentDictionary<string, Entry> _entries = new();

    public Task<StoredAccessToken?> GetAsync(string appId, CancellationToken cancellationToken) =>
        Task.FromResult(_entries.TryGetValue(appId, out var entry) ? entry.Token : null);

    public async Task<IAccessTokenRefreshLease?> TryAcquireRefreshAsync(string appId, bool wait, CancellationToken cancellationToken)
    {
        var entry = _entries.GetOrAdd(appId, _ => new Entry());
        if (wait)
        {
            await entry.RefreshLock.WaitAsync(cancellationToken);
        }
        else if (!entry.RefreshLock.Wait(0, cancellationToken))
        {
            return null;
        }

        return new Lease(entry);
    }

    public Task<bool> InvalidateAsync(string appId, string failedToken, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!_entries.TryGetValue(appId, out var entry))
        {
            return Task.FromResult(false);
        }

        lock (entry)
        {
            if (entry.Token is not { } current || current.Token != failedToken || current.ExpiresAt <= now)
            {
                return Task.FromResult(false);
            }

            entry.Token = current with { ExpiresAt = now };
            return Task.FromResult(true);
        }
    }

    public Task<bool> TryTakeForceRefreshAsync(
        string appId, DateTimeOffset now, TimeSpan minInterval, int dailyLimit, CancellationToken cancellationToken)
    {
        var entry = _entries.GetOrAdd(appId, _ => new Entry());
        var day = DateOnly.FromDateTime(now.ToOffset(ChinaOffset).Date);
        lock (entry)
        {
            var countToday = entry.ForceDay == day ? entry.ForceCount : 0;
            if (now - entry.ForcedAt < minInterval || countToday >= dailyLimit)
            {
                return Task.FromResult(false);
            }

            (entry.ForcedAt, entry.ForceDay, entry.ForceCount) = (now, day, countToday + 1);
            return Task.FromResult(true);
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim RefreshLock { get; } = new(1, 1);

        public StoredAccessToken? Token { get; set; }

        public DateTimeOffset ForcedAt { get; set; } = DateTimeOffset.MinValue;

        public DateOnly ForceDay { get; set; }

        public int ForceCount { get; set; }
    }

    private sealed class Lease(Entry entry) : IAccessTokenRefreshLease
    {
        public StoredAccessToken? Current { get; } = entry.Token;

        public Task SaveAsync(StoredAccessToken token, CancellationToken cancellationToken)
        {
            lock (entry)
            {
                entry.Token = token;
            }

            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            entry.RefreshLock.Release();
            return ValueTask.CompletedTask;
        }
    }
}
