namespace WechatKepu.Wechat.Tokens;

/// <summary>
/// Where the backend instances share each appId's access token, and who may refresh it. The
/// PostgreSQL implementation is <c>WechatKepu.Data.Wechat.PostgresAccessTokenStore</c>.
/// </summary>
public interface IAccessTokenStore
{
    /// <summary>The current row for <paramref name="appId"/>, or null before the first refresh.</summary>
    Task<StoredAccessToken?> GetAsync(string appId, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the right to refresh <paramref name="appId"/>'s token, across all instances. With
    /// <paramref name="wait"/> false returns null at once when another holder has it; with true waits for it.
    /// The right is released when the lease is disposed (or its holder dies).
    /// </summary>
    Task<IAccessTokenRefreshLease?> TryAcquireRefreshAsync(string appId, bool wait, CancellationToken cancellationToken);

    /// <summary>
    /// Marks the stored token expired, but only if it still is <paramref name="failedToken"/>: a token
    /// another instance has already replaced must not be thrown away.
    /// </summary>
    /// <returns>True when the stored token was the failed one.</returns>
    Task<bool> InvalidateAsync(string appId, string failedToken, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Claims one use of WeChat's scarce <c>force_refresh</c> (about 20 a day, 30 s apart) for
    /// <paramref name="appId"/>, across all instances.
    /// </summary>
    /// <returns>False when the last one was less than <paramref name="minInterval"/> ago or today's
    /// (Asia/Shanghai) <paramref name="dailyLimit"/> is used up.</returns>
    Task<bool> TryTakeForceRefreshAsync(
        string appId, DateTimeOffset now, TimeSpan minInterval, int dailyLimit, CancellationToken cancellationToken);
}

/// <summary>The exclusive right to refresh one appId's token; dispose to release it.</summary>
public interface IAccessTokenRefreshLease : IAsyncDisposable
{
    /// <summary>The row as read after the right was taken: another instance may have refreshed just before.</summary>
    StoredAccessToken? Current { get; }

    /// <summary>Stores a freshly fetched token for every instance.</summary>
    Task SaveAsync(StoredAccessToken token, CancellationToken cancellationToken);
}
