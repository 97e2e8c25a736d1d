namespace WechatKepu.Wechat.Tokens;

/// <summary>When the shared access token is refreshed.</summary>
public sealed record AccessTokenOptions
{
    /// <summary>
    /// Refresh once less than this is left. WeChat's stable_token hands out a new token in the last
    /// 5 minutes while the old one stays valid, so in-flight calls keep working.
    /// </summary>
    public TimeSpan RefreshAhead { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A token refreshed this recently is not refreshed again even when it is near expiry: WeChat may
    /// have handed back the same token with little time left, and asking again at every call helps no one.
    /// </summary>
    public TimeSpan MinRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>After a failed attempt to take the refresh right, an instance waits this long before trying again
    /// (it keeps using the current, still valid token meanwhile).</summary>
    public TimeSpan RefreshRetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>WeChat allows force_refresh at most once per 30 s.</summary>
    public TimeSpan ForceRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>WeChat allows about 20 force refreshes a day.</summary>
    public int ForceRefreshDailyLimit { get; init; } = 20;
}
