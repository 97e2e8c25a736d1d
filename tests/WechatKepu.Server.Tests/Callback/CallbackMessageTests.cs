using System.Net;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using WechatKepu.Data.Followers;
using WechatKepu.Server.Features.Followers;
using WechatKepu.Server.Features.Replies;
using WechatKepu.Server.Tests.Infrastructure;
using WechatKepu.Simulator.Platform;
using static WechatKepu.Simulator.Platform.PlatformMessages;

namespace WechatKepu.Server.Tests.Callback;

/// <summary>Every message and event type, every command and rule kind, in each of the three modes.</summary>
public sealed class CallbackMessageTests(CallbackApp app) : IClassFixture<CallbackApp>
{
    public static TheoryData<CallbackMode> Modes => [CallbackMode.Plaintext, CallbackMode.Compatible, CallbackMode.Safe];

    private const string Gh = "gh_kepu000000001";

    private static string NewOpenId() => "o" + Guid.NewGuid().ToString("N")[..27];

    [Fact]
    public async Task Url_verification_echoes_echostr_in_every_account()
    {
        foreach (var appId in new[] { CallbackApp.AppId, CallbackApp.PlainAppId, CallbackApp.SafeOnlyAppId })
        {
            using var platform = app.Platform(appId);
            var (status, body) = await platform.VerifyUrlAsync("4375120948345356249");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("4375120948345356249", body);
        }

        using var wrong = app.Platform(token: "not-the-token");
        var (wrongStatus, _) = await wrong.VerifyUrlAsync("1");
        Assert.Equal(HttpStatusCode.Unauthorized, wrongStatus);
    }

    [Fact]
    public async Task An_unknown_account_is_404_for_get_and_post()
    {
        using var platform = new WechatPlatform(app.CreateClient(), new PlatformAccount("wxunknown000000000", CallbackApp.Token), app.Clock);
        var (status, _) = await platform.VerifyUrlAsync("x");
        Assert.Equal(HttpStatusCode.NotFound, status);
        var reply = await platform.PostAsync(platform.Text("o1", "hi"), CallbackMode.Plaintext);
        Assert.Equal(HttpStatusCode.NotFound, reply.Status);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Keyword_rules_match_exact_and_contains_by_priority_within_their_dates_and_fall_back_to_the_default(CallbackMode mode)
    {
        var tag = mode.ToString();
        await app.AddRuleAsync($"报名{tag}", "exact", $"exact-{tag}");
        await app.AddRuleAsync($"报名{tag}", "contains", $"contains-low-{tag}", priority: -5);
        await app.AddRuleAsync($"门票{tag}", "contains", $"contains-{tag}");
        await app.AddRuleAsync($"门票{tag}", "contains", $"contains-high-{tag}", priority: 10, enabled: false);
        await app.AddRuleAsync($"过期{tag}", "exact", "expired", until: app.Clock.GetUtcNow().AddDays(-1));
        await app.AddRuleAsync($"将来{tag}", "exact", "future", from: app.Clock.GetUtcNow().AddDays(1));
        using var platform = app.Platform();
        var openId = NewOpenId();

        Assert.Equal($"exact-{tag}", (await platform.PostAsync(platform.Text(openId, $"  报名{tag} "), mode)).Content);
        Assert.Equal($"contains-low-{tag}", (await platform.PostAsync(platform.Text(openId, $"我要报名{tag}啦"), mode)).Content);
        Assert.Equal($"contains-{tag}", (await platform.PostAsync(platform.Text(openId, $"请问门票{tag}多少钱"), mode)).Content);
        Assert.Equal(Features.Callback.CallbackDispatcher.DefaultReply, (await platform.PostAsync(platform.Text(openId, $"过期{tag}"), mode)).Content);
        Assert.Equal(Features.Callback.CallbackDispatcher.DefaultReply, (await platform.PostAsync(platform.Text(openId, $"将来{tag}"), mode)).Content);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Media_and_other_messages_get_a_polite_text_and_silent_events_get_success(CallbackMode mode)
    {
        using var platform = app.Platform();
        var o = NewOpenId();
        var now = platform.Now;
        (string Xml, string Word)[] media =
        [
            (Image(Gh, o, now, platform.NextMsgId()), "图片"),
            (Voice(Gh, o, now, platform.NextMsgId()), "语音"),
            (Video(Gh, o, now, platform.NextMsgId()), "视频"),
            (Video(Gh, o, now, platform.NextMsgId(), shortVideo: true), "视频"),
            (Location(Gh, o, now, platform.NextMsgId()), "位置"),
            (Link(Gh, o, now, platform.NextMsgId()), "链接"),
            (MiniProgramPage(Gh, o, now, platform.NextMsgId(), KepuApp.MpAppId), "小程序"),
        ];
        foreach (var (xml, word) in media)
        {
            var reply = await platform.PostAsync(xml, mode);
            Assert.Equal("text", reply.MsgType);
            Assert.Contains(word, reply.Content);
        }

        string[] silent =
        [
            LocationReport(Gh, o, now),
            View(Gh, o, now, "https://example.com"),
            Event(Gh, o, now, "view_miniprogram", "pages/index/index"),
            Event(Gh, o, now, "some_future_event", "k"),
            Message(Gh, o, now, "hologram", platform.NextMsgId(), ("Beam", "x")),
        ];
        foreach (var xml in silent)
        {
            var reply = await platform.PostAsync(xml, mode);
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.True(reply.IsNoReply);
        }

        // Unknown types are kept in the log, not rejected.
        Assert.Equal(1, await app.ScalarAsync<long>($"SELECT count(*) FROM wechat_inbound WHERE openid = '{o}' AND msg_type = 'hologram'"));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Voice_with_recognition_is_read_as_text(CallbackMode mode)
    {
        await app.AddRuleAsync($"语音口令{mode}", "exact", "heard");
        using var platform = app.Platform();
        var reply = await platform.PostAsync(Voice(Gh, NewOpenId(), platform.Now, platform.NextMsgId(), $"语音口令{mode}。"), mode);
        Assert.Equal("heard", reply.Content);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Subscribe_unsubscribe_and_resubscribe_keep_times_scene_and_history(CallbackMode mode)
    {
        using var platform = app.Platform();
        var o = NewOpenId();
        var welcome = await platform.PostAsync(Subscribe(Gh, o, platform.Now, scene: "science_day_poster"), mode);
        Assert.Equal(Features.Callback.CallbackDispatcher.DefaultWelcome, welcome.Content);

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True((await platform.PostAsync(Unsubscribe(Gh, o, platform.Now), mode)).IsNoReply);
        var store = app.Services.GetRequiredService<FollowerStore>();
        var gone = await store.GetAsync(CallbackApp.AppId, o, default);
        Assert.NotNull(gone);
        Assert.False(gone.Subscribed);
        Assert.NotNull(gone.UnsubscribedAt);

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await platform.PostAsync(Subscribe(Gh, o, platform.Now), mode);
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True((await platform.PostAsync(Scan(Gh, o, platform.Now, "venue_gate"), mode)).IsNoReply);

        var back = await store.GetAsync(CallbackApp.AppId, o, default);
        Assert.True(back!.Subscribed);
        Assert.Null(back.UnsubscribedAt);
        Assert.True(back.FirstSubscribedAt < back.SubscribedAt);
        var events = await store.EventsAsync(CallbackApp.AppId, o, default);
        Assert.Equal(["subscribe", "unsubscribe", "resubscribe", "scan"], events.Select(e => e.Kind));
        Assert.Equal("science_day_poster", events[0].QrScene);
        Assert.Equal("venue_gate", events[3].QrScene);
    }

    [Fact]
    public async Task The_profile_job_fills_in_unionid_and_profile_through_user_info()
    {
        using var platform = app.Platform();
        var o = NewOpenId();
        app.Wechat.AddFollower(CallbackApp.AppId, o, unionId: "union-" + o, subscribed: true, 7);
        await platform.PostAsync(Subscribe(Gh, o, platform.Now), CallbackMode.Safe);

        await app.Services.GetRequiredService<FollowerProfileJob>().RunAsync(CallbackApp.AppId, o, default);

        var follower = await app.Services.GetRequiredService<FollowerStore>().GetAsync(CallbackApp.AppId, o, default);
        Assert.Equal("union-" + o, follower!.Unionid);
        Assert.Equal([7], follower.TagIds);
        Assert.NotNull(follower.ProfileFetchedAt);
        Assert.True(app.Wechat.CountCalls("/cgi-bin/user/info") >= 1);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Activities_command_and_menu_key_list_upcoming_sessions_with_a_mini_program_link(CallbackMode mode)
    {
        var sessionId = await Sessions.CreateAsync(app, capacity: 30, waitlist: 5, startsIn: TimeSpan.FromMinutes(30), closesBeforeStart: TimeSpan.FromMinutes(5));
        using var platform = app.Platform();
        var o = NewOpenId();
        foreach (var xml in new[]
                 {
                     platform.Text(o, "活动"), platform.Text(o, "近期活动"), Click(Gh, o, platform.Now, MenuKeys.Activities),
                 })
        {
            var text = (await platform.PostAsync(xml, mode)).Content;
            Assert.StartsWith("近期科普活动", text);
            Assert.Contains($"data-miniprogram-path=\"pages/signup/signup?sessionId={sessionId}\"", text);
            Assert.Contains($"data-miniprogram-appid=\"{KepuApp.MpAppId}\"", text);
            Assert.Contains("地点：柳州科技馆", text);
            // 09:00 Shanghai + 30 min, shown in Shanghai time.
            Assert.Contains("11月29日（周日）09:30–11:30", text);
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Topic_commands_subscribe_unsubscribe_and_list_by_text_and_menu(CallbackMode mode)
    {
        var topic = $"健康素养问答{(int)mode}";
        await using (var conn = await app.OpenAsync())
        {
            await conn.ExecuteAsync("INSERT INTO reminder_topics (app_id, name, template_id) VALUES (@app, @topic, 'oa-tmpl-quiz')", new { app = CallbackApp.AppId, topic });
        }

        using var platform = app.Platform();
        var o = NewOpenId();
        Assert.Equal("您还没有订阅任何提醒。", (await platform.PostAsync(platform.Text(o, "我的订阅"), mode)).Content![..11]);
        Assert.StartsWith($"已订阅「{topic}」", (await platform.PostAsync(platform.Text(o, $"订阅 {topic}"), mode)).Content);
        Assert.StartsWith($"您已订阅过「{topic}」", (await platform.PostAsync(Click(Gh, o, platform.Now, MenuKeys.SubscribePrefix + topic), mode)).Content);
        Assert.Contains($"「{topic}」", (await platform.PostAsync(Click(Gh, o, platform.Now, MenuKeys.MyTopics), mode)).Content);
        Assert.StartsWith("没有找到提醒主题「不存在」", (await platform.PostAsync(platform.Text(o, "订阅 不存在"), mode)).Content);
        Assert.StartsWith($"已退订「{topic}」", (await platform.PostAsync(platform.Text(o, $"退订{topic}"), mode)).Content);
        Assert.StartsWith($"您没有订阅「{topic}」", (await platform.PostAsync(Click(Gh, o, platform.Now, MenuKeys.UnsubscribePrefix + topic), mode)).Content);
        Assert.StartsWith($"已订阅「{topic}」", (await platform.PostAsync(platform.Text(o, $"订阅{topic}"), mode)).Content);

        var active = await app.ScalarAsync<long>($"""
            SELECT count(*) FROM topic_subscriptions s JOIN followers f ON f.id = s.follower_id
            WHERE f.openid = '{o}' AND s.unsubscribed_at IS NULL
            """);
        Assert.Equal(1, active);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Receipts_are_stored_for_the_delivery_engine(CallbackMode mode)
    {
        using var platform = app.Platform();
        var o = NewOpenId();
        var now = platform.Now;
        string[] receipts =
        [
            TemplateSendJobFinish(Gh, o, now, 1001, "failed:user block"),
            MassSendJobFinish(Gh, "mphelper", now, 1002, "send success", 100, 90, 88, 2),
            SubscribeMsgPopup(Gh, o, now, ("tmpl-a", "accept"), ("tmpl-b", "reject")),
            SubscribeMsgChange(Gh, o, now, ("tmpl-a", "reject")),
            SubscribeMsgSent(Gh, o, now, ("tmpl-a", "1700827132819554304", 0)),
        ];
        foreach (var xml in receipts)
        {
            Assert.True((await platform.PostAsync(xml, mode)).IsNoReply);
        }

        var rows = (await app.Services.GetRequiredService<WechatKepu.Data.Callback.ReceiptStore>().ListAsync(CallbackApp.AppId, default))
            .Where(r => r.Openid == o || (r.Openid == "mphelper" && r.MsgId == "1002")).ToList();
        Assert.Contains(rows, r => r is { Kind: "template_send", MsgId: "1001", Status: "failed:user block" });
        Assert.Contains(rows, r => r.Kind == "mass_send" && r.MsgId == "1002" && r.Payload.Contains("\"sent_count\": 88"));
        Assert.Contains(rows, r => r is { Kind: "subscribe_popup", TemplateId: "tmpl-a", Status: "accept" });
        Assert.Contains(rows, r => r is { Kind: "subscribe_popup", TemplateId: "tmpl-b", Status: "reject" });
        Assert.Contains(rows, r => r is { Kind: "subscribe_change", TemplateId: "tmpl-a", Status: "reject" });
        Assert.Contains(rows, r => r is { Kind: "subscribe_sent", MsgId: "1700827132819554304", Status: "success" });
        // Sends we never made stay unprocessed for the sweep (a receipt can overtake its send's answer);
        // grant events and a mass send that is not one of our broadcasts need nothing more.
        Assert.All(rows.Where(r => r.Kind is "template_send" or "subscribe_sent"), r => Assert.Null(r.ProcessedAt));
        Assert.All(rows.Where(r => r.Kind is "mass_send" or "subscribe_popup" or "subscribe_change"), r => Assert.NotNull(r.ProcessedAt));
    }

    [Fact]
    public async Task A_message_under_the_previous_aes_key_is_still_accepted_during_rotation()
    {
        using var platform = app.Platform(aesKey: CallbackApp.PreviousAesKey);
        var xml = platform.Text(NewOpenId(), "活动");
        var request = platform.Sign(xml, CallbackMode.Safe);
        var (status, body) = await platform.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, status);
        // The reply is sealed with the current key.
        using var current = app.Platform();
        Assert.StartsWith("近期", WechatKepu.Wechat.Messages.WechatXml.Parse(current.ReadReply(xml, CallbackMode.Safe, body)!).Field("Content"));
    }

    [Fact]
    public async Task Messages_mark_when_the_follower_last_wrote()
    {
        using var platform = app.Platform();
        var o = NewOpenId();
        await platform.PostAsync(Subscribe(Gh, o, platform.Now), CallbackMode.Safe);
        await platform.PostAsync(platform.Text(o, "你好"), CallbackMode.Safe);
        await app.Services.GetRequiredService<FollowerActivity>().FlushAsync(default);
        var follower = await app.Services.GetRequiredService<FollowerStore>().GetAsync(CallbackApp.AppId, o, default);
        Assert.NotNull(follower!.LastMessageAt);
    }
}
