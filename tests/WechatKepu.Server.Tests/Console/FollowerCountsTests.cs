using System.Net;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using WechatKepu.Server.Features.Followers;
using WechatKepu.Server.Tests.Callback;
using WechatKepu.Server.Tests.Infrastructure;
using WechatKepu.Simulator.Platform;
using static WechatKepu.Simulator.Platform.PlatformMessages;

namespace WechatKepu.Server.Tests.Console;

/// <summary>
/// The console's follower figures come from follower_counts (migration 0023), kept by triggers on followers: they
/// must follow every write the server makes (subscribe, unsubscribe, resubscribe, a profile's tags, a message from an
/// unknown follower) and agree with a count of the rows and with follower_counts_rebuild().
/// </summary>
public sealed class FollowerCountsTests(CallbackApp app) : IClassFixture<CallbackApp>
{
    private const string Gh = "gh_kepu000000001";
    private const int Tag = 7301;

    private static string NewOpenId() => "o" + Guid.NewGuid().ToString("N")[..27];

    private async Task<JsonElement> FollowersAsync(string query = "")
    {
        using var staff = await app.StaffClientAsync("viewer");
        return await (await staff.GetAsync("/api/console/followers?appId=" + CallbackApp.AppId + query)).JsonAsync();
    }

    private static long TagCount(JsonElement list, int tag) =>
        list.GetProperty("tags").EnumerateArray().Where(t => t.GetProperty("id").GetInt32() == tag)
            .Select(t => t.GetProperty("followers").GetInt64()).SingleOrDefault();

    /// <summary>What the console shows (dashboard, list totals, the tag's count) against a count of the rows themselves.</summary>
    private async Task AssertFiguresMatchRowsAsync(int tag = Tag)
    {
        await using var conn = await app.OpenAsync();
        var truth = await conn.QuerySingleAsync<(long All, long Subscribed, long Tagged, long TaggedSubscribed, long Everywhere)>($"""
            SELECT count(*) FILTER (WHERE app_id = @app), count(*) FILTER (WHERE app_id = @app AND subscribed),
                   count(*) FILTER (WHERE app_id = @app AND {tag} = ANY (tag_ids)),
                   count(*) FILTER (WHERE app_id = @app AND subscribed AND {tag} = ANY (tag_ids)),
                   count(*) FILTER (WHERE subscribed)
            FROM followers
            """, new { app = CallbackApp.AppId });

        Assert.Equal(truth.All, (await FollowersAsync()).GetProperty("total").GetInt64());
        var subscribed = await FollowersAsync("&subscribed=true");
        Assert.Equal(truth.Subscribed, subscribed.GetProperty("total").GetInt64());
        Assert.False(subscribed.GetProperty("totalCapped").GetBoolean());
        Assert.Equal(truth.All - truth.Subscribed, (await FollowersAsync("&subscribed=false")).GetProperty("total").GetInt64());
        Assert.Equal(truth.Tagged, (await FollowersAsync($"&tag={tag}")).GetProperty("total").GetInt64());
        Assert.Equal(truth.TaggedSubscribed, (await FollowersAsync($"&tag={tag}&subscribed=true")).GetProperty("total").GetInt64());
        Assert.Equal(truth.TaggedSubscribed, TagCount(subscribed, tag));

        using var staff = await app.StaffClientAsync("viewer");
        var dashboard = await (await staff.GetAsync("/api/console/dashboard")).JsonAsync();
        Assert.Equal(truth.Everywhere, dashboard.GetProperty("followers").GetInt64());
    }

    [Fact]
    public async Task Counters_follow_subscribe_unsubscribe_resubscribe_tags_and_a_rebuild()
    {
        using var platform = app.Platform();
        var before = (await FollowersAsync("&subscribed=true")).GetProperty("total").GetInt64();
        var a = NewOpenId();
        var b = NewOpenId();

        await platform.PostAsync(Subscribe(Gh, a, platform.Now), CallbackMode.Safe);
        await platform.PostAsync(Subscribe(Gh, b, platform.Now, "science_day_poster"), CallbackMode.Safe);
        Assert.Equal(before + 2, (await FollowersAsync("&subscribed=true")).GetProperty("total").GetInt64());
        await AssertFiguresMatchRowsAsync();

        // user/info brings the follower's tags: the tag's count moves with them, and again when they change.
        app.Wechat.AddFollower(CallbackApp.AppId, a, subscribed: true, tagIds: [Tag, Tag + 1]);
        var profiles = app.Services.GetRequiredService<FollowerProfileJob>();
        await profiles.RunAsync(CallbackApp.AppId, a, default);
        Assert.Equal(1, TagCount(await FollowersAsync(), Tag));
        Assert.Equal(1, TagCount(await FollowersAsync(), Tag + 1));
        app.Wechat.AddFollower(CallbackApp.AppId, a, subscribed: true, tagIds: [Tag]);
        await profiles.RunAsync(CallbackApp.AppId, a, default);
        Assert.Equal(0, TagCount(await FollowersAsync(), Tag + 1));
        await AssertFiguresMatchRowsAsync();

        // A command (我的订阅) from someone this system never saw subscribe creates their row, subscribed.
        var stranger = NewOpenId();
        await platform.PostAsync(Text(Gh, stranger, platform.Now, "我的订阅", platform.NextMsgId()), CallbackMode.Safe);
        Assert.Equal(before + 3, (await FollowersAsync("&subscribed=true")).GetProperty("total").GetInt64());

        await platform.PostAsync(Unsubscribe(Gh, a, platform.Now), CallbackMode.Safe);
        var after = await FollowersAsync("&subscribed=true");
        Assert.Equal(before + 2, after.GetProperty("total").GetInt64());
        Assert.Equal(0, TagCount(after, Tag));
        Assert.Equal(1, (await FollowersAsync($"&tag={Tag}&subscribed=false")).GetProperty("total").GetInt64());
        await AssertFiguresMatchRowsAsync();

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await platform.PostAsync(Subscribe(Gh, a, platform.Now), CallbackMode.Safe);
        Assert.Equal(1, TagCount(await FollowersAsync(), Tag));
        await AssertFiguresMatchRowsAsync();

        // The rebuild (run after a bulk load with triggers off) arrives at the same counters.
        await using var conn = await app.OpenAsync();
        var kept = (await conn.QueryAsync<(string, int, long, long)>("SELECT app_id, tag, followers, subscribed FROM follower_counts WHERE followers <> 0 ORDER BY 1, 2")).ToList();
        await conn.ExecuteAsync("SELECT follower_counts_rebuild()");
        var rebuilt = (await conn.QueryAsync<(string, int, long, long)>("SELECT app_id, tag, followers, subscribed FROM follower_counts ORDER BY 1, 2")).ToList();
        Assert.Equal(kept, rebuilt);
    }

    [Fact]
    public async Task Concurrent_subscribes_and_unsubscribes_are_each_counted_once()
    {
        var before = (await FollowersAsync("&subscribed=true")).GetProperty("total").GetInt64();
        var openids = Enumerable.Range(0, 24).Select(_ => NewOpenId()).ToArray();
        using var platform = app.Platform();
        await Task.WhenAll(openids.Select(o => platform.PostAsync(Subscribe(Gh, o, platform.Now), CallbackMode.Safe)));
        Assert.Equal(before + 24, (await FollowersAsync("&subscribed=true")).GetProperty("total").GetInt64());

        // Half leave while the other half's tags arrive, all at once.
        foreach (var o in openids)
        {
            app.Wechat.AddFollower(CallbackApp.AppId, o, subscribed: true, tagIds: [Tag + 100]);
        }

        var profiles = app.Services.GetRequiredService<FollowerProfileJob>();
        await Task.WhenAll(openids.Select((o, i) => i % 2 == 0
            ? platform.PostAsync(Unsubscribe(Gh, o, platform.Now), CallbackMode.Safe)
            : profiles.RunAsync(CallbackApp.AppId, o, default)));
        Assert.Equal(before + 12, (await FollowersAsync("&subscribed=true")).GetProperty("total").GetInt64());
        Assert.Equal(12, TagCount(await FollowersAsync(), Tag + 100));
        await AssertFiguresMatchRowsAsync(Tag + 100);
    }

    [Fact]
    public async Task A_write_that_changes_no_count_leaves_the_counter_rows_alone()
    {
        using var platform = app.Platform();
        var o = NewOpenId();
        await platform.PostAsync(Subscribe(Gh, o, platform.Now), CallbackMode.Safe);
        await using var conn = await app.OpenAsync();
        const string Version = "SELECT xmin::text FROM follower_counts WHERE app_id = @app AND tag = -1";
        var version = await conn.ExecuteScalarAsync<string>(Version, new { app = CallbackApp.AppId });

        // The command path's "ensure" upsert (ON CONFLICT DO UPDATE) and the 48 h window's last_message_at update: neither moves a count, so
        // neither may write (and lock) the account's counter row, which every subscribe also needs.
        await platform.PostAsync(Text(Gh, o, platform.Now, "我的订阅", platform.NextMsgId()), CallbackMode.Safe);
        await conn.ExecuteAsync("UPDATE followers SET last_message_at = now() WHERE app_id = @app", new { app = CallbackApp.AppId });

        Assert.Equal(version, await conn.ExecuteScalarAsync<string>(Version, new { app = CallbackApp.AppId }));
        await AssertFiguresMatchRowsAsync();
    }
}
