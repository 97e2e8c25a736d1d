using Microsoft.Extensions.Logging;
using WechatKepu.Wechat.Api;

namespace WechatKepu.Wechat.Tokens;

/// <summary>
/// One instance's view of an appId's shared access token. Serves the token from memory; near expiry
/// one caller per instance tries to take the store's refresh right while everyone keeps using the
/// still-valid token; only the instance holding the right calls stable_token, the others read its result
/// from the store. Once the token is expired or rejected, callers wait for the refresh instead.
/// </summary>
public sealed class AccessTokenProvider(
    string appId,
    IStableTokenFetcher fetcher,
    IAccessTokenStore store,
    TimeProvider timeProvider,
    ILogger<AccessTokenProvider> logger,
    AccessTokenOptions? options = null) : IAccessTokenSource
{
    private readonly AccessTokenOptions _options = options ?? new AccessTokenOptions();

    // One refresh at a time in this instance; the store arbitrates between instances.
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private StoredAccessToken? _cached;
    private string? _rejected;
    private long _nextOpportunisticRefreshTicks;
    private long _forceRefreshBlockedUntilTicks;

    public string AppId => appId;

    /// <inheritdoc />
    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        var cached = Volatile.Read(ref _cached);
        var now = timeProvider.GetUtcNow();
        if (cached is not null && IsUsable(cached, now))
        {
            if (!NeedsRefresh(cached, now) || now.UtcTicks < Interlocked.Read(ref _nextOpportunisticRefreshTicks)
                || !_refreshGate.Wait(0))
            {
                return cached.Token;
            }

            try
            {
                return (await RefreshAsync(wait: false, cancellationToken)).Token;
            }
            finally
            {
                _refreshGate.Release();
            }
        }

        await _refreshGate.WaitAsync(cancellationToken);
        try
        {
            cached = Volatile.Read(ref _cached);
            now = timeProvider.GetUtcNow();
            if (cached is not null && IsUsable(cached, now))
            {
                // Refreshed by the caller we waited behind.
                return cached.Token;
            }

            if (now.UtcTicks < Interlocked.Read(ref _forceRefreshBlockedUntilTicks))
            {
                throw StuckTokenException();
            }

            return (await RefreshAsync(wait: true, cancellationToken)).Token;
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask TokenRejectedAsync(string token, CancellationToken cancellationToken)
    {
        // Dozens of in-flight calls fail with the same token: the first report does the work.
        if (Interlocked.Exchange(ref _rejected, token) == token)
        {
            return;
        }

        var cached = Volatile.Read(ref _cached);
        if (cached?.Token == token)
        {
            Interlocked.CompareExchange(ref _cached, null, cached);
        }

        var invalidated = await store.InvalidateAsync(appId, token, timeProvider.GetUtcNow(), cancellationToken);
        logger.LogWarning("WeChat rejected the access token of {AppId}; shared token invalidated: {Invalidated}",
            appId, invalidated);
    }

    private async Task<StoredAccessToken> RefreshAsync(bool wait, CancellationToken cancellationToken)
    {
        var row = await store.GetAsync(appId, cancellationToken);
        if (row is not null && IsFresh(row, timeProvider.GetUtcNow()))
        {
            return Cache(row);
        }

        await using var lease = await store.TryAcquireRefreshAsync(appId, wait, cancellationToken);
        if (lease is null)
        {
            // Another instance is refreshing; we only get here while our token is still valid.
            Interlocked.Exchange(ref _nextOpportunisticRefreshTicks,
                (timeProvider.GetUtcNow() + _options.RefreshRetryInterval).UtcTicks);
            var current = row is not null && IsUsable(row, timeProvider.GetUtcNow()) ? Cache(row) : Volatile.Read(ref _cached);
            return current ?? throw new InvalidOperationException("No usable access token while another instance refreshes.");
        }

        // Whoever held the right before us may have just saved a fresh token.
        if (lease.Current is { } latest && IsFresh(latest, timeProvider.GetUtcNow()))
        {
            return Cache(latest);
        }

        var fetched = await fetcher.GetStableTokenAsync(forceRefresh: false, cancellationToken);
        if (fetched.AccessToken == Volatile.Read(ref _rejected))
        {
            fetched = await ForceRefreshAsync(cancellationToken);
        }

        var now = timeProvider.GetUtcNow();
        var saved = new StoredAccessToken(appId, fetched.AccessToken, now.AddSeconds(fetched.ExpiresIn), now);
        await lease.SaveAsync(saved, cancellationToken);
        logger.LogInformation("Refreshed the access token of {AppId}; it expires at {ExpiresAt:O}", appId, saved.ExpiresAt);
        return Cache(saved);
    }

    /// <summary>
    /// stable_token keeps returning the token WeChat just rejected: force a new one, within WeChat's
    /// limits. Past them, fail fast for a while rather than hammer stable_token on every call.
    /// </summary>
    private async Task<Api.Models.Token.StableTokenResponse> ForceRefreshAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (!await store.TryTakeForceRefreshAsync(appId, now, _options.ForceRefreshInterval,
                _options.ForceRefreshDailyLimit, cancellationToken))
        {
            Interlocked.Exchange(ref _forceRefreshBlockedUntilTicks, (now + _options.ForceRefreshInterval).UtcTicks);
            logger.LogError("stable_token returns the rejected access token of {AppId} and force_refresh is rate limited", appId);
            throw StuckTokenException();
        }

        logger.LogWarning("stable_token returned the rejected access token of {AppId}; forcing a refresh", appId);
        return await fetcher.GetStableTokenAsync(forceRefresh: true, cancellationToken);
    }

    private WechatApiException StuckTokenException() => new(
        WechatErrors.InvalidCredential, "access token rejected and force_refresh rate limited", "/cgi-bin/stable_token",
        WechatErrorKind.Token);

    private StoredAccessToken Cache(StoredAccessToken token)
    {
        Volatile.Write(ref _cached, token);
        return token;
    }

    private bool IsUsable(StoredAccessToken token, DateTimeOffset now) =>
        token.ExpiresAt > now && token.Token != Volatile.Read(ref _rejected);

    private bool NeedsRefresh(StoredAccessToken token, DateTimeOffset now) =>
        token.ExpiresAt - now < _options.RefreshAhead && now - token.RefreshedAt >= _options.MinRefreshInterval;

    private bool IsFresh(StoredAccessToken token, DateTimeOffset now) => IsUsable(token, now) && !NeedsRefresh(token, now);
}
