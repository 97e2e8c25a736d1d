using System.Collections.Concurrent;
using Hangfire;
using WechatKepu.Data.Followers;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Wechat;
using WechatKepu.Wechat.Api;

namespace WechatKepu.Server.Features.Followers;

/// <summary>Fills a new follower's unionid and profile from user/info.</summary>
public sealed class FollowerProfileJob(FollowerStore followers, WechatClients clients, TimeProvider clock, ILogger<FollowerProfileJob> logger)
{
    [AutomaticRetry(Attempts = 5)]
    public async Task RunAsync(string appId, string openId, CancellationToken cancellationToken)
    {
        if (clients.OfficialAccount(appId) is null)
        {
            return;
        }

        try
        {
            var info = await clients.ForOfficialAccount(appId).GetUserInfoAsync(openId, cancellationToken: cancellationToken);
            var profile = new FollowerProfile(info.UnionId, info.Language, info.Remark, info.TagIdList?.ToArray() ?? [], info.SubscribeScene);
            await followers.SaveProfileAsync(appId, openId, profile, clock.GetUtcNow(), cancellationToken);
        }
        catch (WechatApiException ex) when (ex.Kind is not (WechatErrorKind.Retryable or WechatErrorKind.Token))
        {
            // A bad openid or a configuration error will not heal by retrying; a busy platform will.
            logger.LogWarning("user/info for {OpenId} on {AppId} failed: {Errcode} {Errmsg}", openId, appId, ex.Errcode, ex.Errmsg);
        }
    }
}

/// <summary>
/// Records when followers last messaged us (WeChat's 48 h customer-service window) off the callback's hot
/// path: callbacks note the sender in memory, and a loop writes the changes once a second, touching each
/// follower at most every few minutes.
/// </summary>
public sealed class FollowerActivity(FollowerStore followers, TimeProvider clock, ILogger<FollowerActivity> logger) : BackgroundService
{
    private static readonly TimeSpan Resolution = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<(string AppId, string OpenId), DateTimeOffset> _lastTouched = new();
    private readonly ConcurrentQueue<(string AppId, string OpenId)> _pending = new();

    // One flush at a time: a flush returns only once everything noted before it is written, even when the
    // loop's own flush had already taken those items.
    private readonly SemaphoreSlim _flushing = new(1, 1);

    public void Seen(string appId, string openId)
    {
        var now = clock.GetUtcNow();
        var key = (appId, openId);
        if (_lastTouched.TryGetValue(key, out var last) && now - last < Resolution)
        {
            return;
        }

        _lastTouched[key] = now;
        _pending.Enqueue(key);
    }

    /// <summary>Writes what is pending now (tests call it instead of waiting for the loop).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken);
        try
        {
            await WritePendingAsync(cancellationToken);
        }
        finally
        {
            _flushing.Release();
        }
    }

    private async Task WritePendingAsync(CancellationToken cancellationToken)
    {
        var batch = new List<(string AppId, string OpenId)>();
        while (_pending.TryDequeue(out var item))
        {
            batch.Add(item);
        }

        var now = clock.GetUtcNow();
        foreach (var group in batch.GroupBy(b => b.AppId))
        {
            await followers.TouchAsync(group.Key, group.Select(g => g.OpenId).Distinct().ToArray(), now, cancellationToken);
        }

        // Forget followers not seen for a while so the map does not grow without bound.
        if (_lastTouched.Count > 100_000)
        {
            foreach (var (key, at) in _lastTouched)
            {
                if (now - at > Resolution)
                {
                    _lastTouched.TryRemove(key, out _);
                }
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await FlushAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Recording follower activity failed");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }
}
