using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using WechatKepu.Data.Callback;
using WechatKepu.Server.Tests.Infrastructure;
using WechatKepu.Simulator.Platform;
using static WechatKepu.Simulator.Platform.PlatformMessages;

namespace WechatKepu.Server.Tests.Callback;

/// <summary>Exactly once: retries, concurrent tries and a second backend instance over the same database.</summary>
public sealed class CallbackDedupTests(CallbackApp app) : IClassFixture<CallbackApp>
{
    private const string Gh = "gh_kepu000000001";

    public static TheoryData<CallbackMode> Modes => [CallbackMode.Plaintext, CallbackMode.Compatible, CallbackMode.Safe];

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task The_same_message_posted_three_times_concurrently_is_handled_once_with_three_identical_replies(CallbackMode mode)
    {
        var topic = $"并发主题{(int)mode}";
        await using (var conn = await app.OpenAsync())
        {
            await Dapper.SqlMapper.ExecuteAsync(conn, "INSERT INTO reminder_topics (app_id, name, template_id) VALUES (@a, @t, 'oa-tmpl-quiz')", new { a = CallbackApp.AppId, t = topic });
        }

        using var platform = app.Platform();
        var o = "o-concurrent-" + mode;
        var xml = platform.Text(o, $"订阅 {topic}");
        var replies = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => platform.PostAsync(xml, mode)));

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Single(replies.Select(r => r.Xml).Distinct());
        Assert.StartsWith($"已订阅「{topic}」", replies[0].Content);
        Assert.Equal(1, await app.ScalarAsync<long>($"SELECT count(*) FROM wechat_inbound WHERE openid = '{o}'"));

        // A later retry gets the identical stored reply, not "您已订阅过".
        var later = await platform.PostAsync(xml, mode);
        Assert.Equal(replies[0].Xml, later.Xml);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_subscribe_event_retried_concurrently_records_one_subscription(CallbackMode mode)
    {
        using var platform = app.Platform();
        var o = "o-sub-retry-" + mode;
        var xml = Subscribe(Gh, o, platform.Now, "poster");
        var replies = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => platform.PostAsync(xml, mode)));
        Assert.Single(replies.Select(r => r.Xml).Distinct());
        Assert.Equal(1, await app.ScalarAsync<long>($"SELECT count(*) FROM follower_events e JOIN followers f ON f.id = e.follower_id WHERE f.openid = '{o}'"));
    }

    [Fact]
    public async Task A_claim_answers_each_try_in_order_and_gives_a_retry_the_stored_reply_in_the_same_round_trip()
    {
        var store = app.Factory.Services.GetRequiredService<WechatKepu.Data.Callback.InboundStore>();
        var now = DateTimeOffset.UtcNow;
        const string answered = "<xml><Content><![CDATA[本周活动]]></Content></xml>";
        InboundClaim Claim(string key, string? reply) => new(CallbackApp.AppId, key, "o-claim-order-0000000000000000", "text", null, "<xml/>", reply);

        // One batch: a keyword answer, the same key again (a concurrent retry in the batch), a message whose work still runs.
        var first = await store.ClaimAsync([Claim("7000000000000000101", answered), Claim("7000000000000000101", answered), Claim("7000000000000000102", null)], now, CancellationToken.None);
        Assert.Equal([new InboundClaimResult(true, null), new InboundClaimResult(false, null), new InboundClaimResult(true, null)], first);

        // Retries: the stored reply comes back with the claim; the running one has none yet (the caller polls).
        var retry = await store.ClaimAsync([Claim("7000000000000000102", null), Claim("7000000000000000103", null), Claim("7000000000000000101", answered)], now, CancellationToken.None);
        Assert.Equal([new InboundClaimResult(false, null), new InboundClaimResult(true, null), new InboundClaimResult(false, answered)], retry);
        Assert.Equal(3, await app.ScalarAsync<long>("SELECT count(*) FROM wechat_inbound WHERE openid = 'o-claim-order-0000000000000000'"));
    }

    [Fact]
    public async Task Two_backend_instances_handle_a_message_once_and_give_the_same_reply()
    {
        // A second host over the same database and configuration: another instance behind the load balancer.
        await using var second = app.Factory.WithWebHostBuilder(_ => { });
        var topic = "两实例主题";
        await using (var conn = await app.OpenAsync())
        {
            await Dapper.SqlMapper.ExecuteAsync(conn, "INSERT INTO reminder_topics (app_id, name, template_id) VALUES (@a, @t, 'oa-tmpl-quiz')", new { a = CallbackApp.AppId, t = topic });
        }

        using var one = app.Platform();
        using var two = new WechatPlatform(second.CreateClient(), one.Account, app.Clock);
        for (var i = 0; i < 5; i++)
        {
            var o = $"o-two-instances-{i}";
            var xml = one.Text(o, $"订阅 {topic}");
            var replies = await Task.WhenAll(one.PostAsync(xml, CallbackMode.Safe), two.PostAsync(xml, CallbackMode.Safe), two.PostAsync(xml, CallbackMode.Safe));
            Assert.Single(replies.Select(r => r.Xml).Distinct());
            Assert.StartsWith($"已订阅「{topic}」", replies[0].Content);
            Assert.Equal(1, await app.ScalarAsync<long>($"SELECT count(*) FROM wechat_inbound WHERE openid = '{o}'"));
        }
    }

    [Fact]
    public async Task A_rule_changed_on_one_instance_answers_on_another_after_the_notification()
    {
        await using var second = app.Factory.WithWebHostBuilder(_ => { });
        using var two = new WechatPlatform(second.CreateClient(), app.Platform().Account, app.Clock);
        // Warm the second instance's cache before the change.
        await two.PostAsync(two.Text("o-cache", "缓存口令"), CallbackMode.Safe);

        await app.AddRuleAsync("缓存口令", "exact", "来自另一实例的新回复");

        string? content = null;
        for (var i = 0; i < 100 && content != "来自另一实例的新回复"; i++)
        {
            content = (await two.PostAsync(two.Text("o-cache", "缓存口令"), CallbackMode.Safe)).Content;
            if (content != "来自另一实例的新回复")
            {
                await Task.Delay(50);
            }
        }

        Assert.Equal("来自另一实例的新回复", content);
    }
}

/// <summary>The callback server with claims committed without waiting for the WAL flush.</summary>
public sealed class AsyncClaimCallbackApp : CallbackApp
{
    protected override void Configure(Microsoft.AspNetCore.Hosting.IWebHostBuilder b)
    {
        base.Configure(b);
        b.UseSetting("Callback:AsyncClaimCommit", "true");
    }
}

/// <summary><c>Callback:AsyncClaimCommit</c> changes when the claim is flushed, never what it decides.</summary>
public sealed class AsyncClaimCommitTests(AsyncClaimCallbackApp app) : IClassFixture<AsyncClaimCallbackApp>
{
    [Fact]
    public async Task With_the_claims_commit_asynchronous_concurrent_tries_and_a_later_retry_are_handled_once_with_one_reply()
    {
        const string topic = "异步提交主题";
        await using (var conn = await app.OpenAsync())
        {
            await Dapper.SqlMapper.ExecuteAsync(conn, "INSERT INTO reminder_topics (app_id, name, template_id) VALUES (@a, @t, 'oa-tmpl-quiz')", new { a = CallbackApp.AppId, t = topic });
        }

        using var platform = app.Platform();
        const string o = "o-async-claim-00000000000000";
        var xml = platform.Text(o, $"订阅 {topic}");
        var replies = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => platform.PostAsync(xml, CallbackMode.Safe)));

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Single(replies.Select(r => r.Xml).Distinct());
        Assert.StartsWith($"已订阅「{topic}」", replies[0].Content);
        Assert.Equal(1, await app.ScalarAsync<long>($"SELECT count(*) FROM wechat_inbound WHERE openid = '{o}'"));
        Assert.Equal(replies[0].Xml, (await platform.PostAsync(xml, CallbackMode.Safe)).Xml);
        Assert.Equal(1, await app.ScalarAsync<long>(
            $"SELECT count(*) FROM topic_subscriptions ts JOIN reminder_topics t ON t.id = ts.topic_id JOIN followers f ON f.id = ts.follower_id WHERE t.name = '{topic}' AND f.openid = '{o}'"));
    }
}
