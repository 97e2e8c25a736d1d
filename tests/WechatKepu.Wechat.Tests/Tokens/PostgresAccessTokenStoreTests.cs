using WechatKepu.Data.Wechat;
using WechatKepu.Wechat.Tokens;

namespace WechatKepu.Wechat.Tests.Tokens;

public sealed class PostgresAccessTokenStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Saved_token_is_read_back_by_another_store_over_the_same_database()
    {
        await using var db = await TokenDatabase.CreateAsync();
        var token = new StoredAccessToken("wx1", "tok-1", Now.AddHours(2), Now);

        await using (var lease = await new PostgresAccessTokenStore(db).TryAcquireRefreshAsync("wx1", wait: false, default))
        {
            Assert.Null(lease!.Current);
            await lease.SaveAsync(token, default);
        }

        Assert.Equal(token, await new PostgresAccessTokenStore(db).GetAsync("wx1", default));
        Assert.Null(await new PostgresAccessTokenStore(db).GetAsync("wx2", default));
    }

    [Fact]
    public async Task Refresh_right_has_one_holder_at_a_time_per_app_id()
    {
        await using var db = await TokenDatabase.CreateAsync();
        var a = new PostgresAccessTokenStore(db);
        var b = new PostgresAccessTokenStore(db);

        var held = await a.TryAcquireRefreshAsync("wx1", wait: false, default);
        var refused = await b.TryAcquireRefreshAsync("wx1", wait: false, default);
        await using var otherApp = await b.TryAcquireRefreshAsync("wx2", wait: false, default);
        await held!.DisposeAsync();
        await using var afterRelease = await b.TryAcquireRefreshAsync("wx1", wait: false, default);

        Assert.Null(refused);
        Assert.NotNull(otherApp);
        Assert.NotNull(afterRelease);
    }

    [Fact]
    public async Task Waiting_for_the_refresh_right_yields_the_token_the_previous_holder_saved()
    {
        await using var db = await TokenDatabase.CreateAsync();
        var a = new PostgresAccessTokenStore(db);
        var held = await a.TryAcquireRefreshAsync("wx1", wait: false, default);

        var waiting = new PostgresAccessTokenStore(db).TryAcquireRefreshAsync("wx1", wait: true, default);
        Assert.False(waiting.IsCompleted);
        await held!.SaveAsync(new StoredAccessToken("wx1", "fresh", Now.AddHours(2), Now), default);
        await held.DisposeAsync();
        await using var lease = await waiting;

        Assert.Equal("fresh", lease!.Current!.Token);
    }

    [Fact]
    public async Task Invalidation_only_expires_the_token_that_failed()
    {
        await using var db = await TokenDatabase.CreateAsync();
        var store = new PostgresAccessTokenStore(db);
        await SaveAsync(store, "current");

        var stale = await store.InvalidateAsync("wx1", "older", Now, default);
        var unchanged = await store.GetAsync("wx1", default);
        var failed = await store.InvalidateAsync("wx1", "current", Now, default);

        Assert.False(stale);
        Assert.Equal(Now.AddHours(2), unchanged!.ExpiresAt);
        Assert.True(failed);
        Assert.Equal(Now, (await store.GetAsync("wx1", default))!.ExpiresAt);
    }

    [Fact]
    public async Task Force_refresh_is_granted_once_per_interval_and_up_to_the_daily_limit()
    {
        await using var db = await TokenDatabase.CreateAsync();
        var store = new PostgresAccessTokenStore(db);
        await SaveAsync(store, "t");

        var interval = TimeSpan.FromSeconds(30);
        var first = await store.TryTakeForceRefreshAsync("wx1", Now, interval, 2, default);
        var tooSoon = await store.TryTakeForceRefreshAsync("wx1", Now.AddSeconds(10), interval, 2, default);
        var second = await store.TryTakeForceRefreshAsync("wx1", Now.AddSeconds(31), interval, 2, default);
        var overLimit = await store.TryTakeForceRefreshAsync("wx1", Now.AddMinutes(5), interval, 2, default);
        // 16:00 UTC is midnight in Shanghai: a new quota day.
        var nextDay = await store.TryTakeForceRefreshAsync("wx1", new DateTimeOffset(2026, 11, 29, 16, 0, 1, TimeSpan.Zero), interval, 2, default);

        Assert.Equal([true, false, true, false, true], [first, tooSoon, second, overLimit, nextDay]);
    }

    private static async Task SaveAsync(PostgresAccessTokenStore store, string token)
    {
        await using var lease = await store.TryAcquireRefreshAsync("wx1", wait: false, default);
        await lease!.SaveAsync(new StoredAccessToken("wx1", token, Now.AddHours(2), Now), default);
    }
}
