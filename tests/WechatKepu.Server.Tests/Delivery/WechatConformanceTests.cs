using System.Net;
using System.Text.Json;
using Dapper;
using WechatKepu.Server.Tests.Infrastructure;
using WechatKepu.Simulator.Platform;

namespace WechatKepu.Server.Tests.Delivery;

/// <summary>
/// The delivery engine against WeChat's real behaviour: per-minute limits (45011) never drop a message, and a
/// send that was delivered but whose answer was lost is resent only inside WeChat's 10-minute client_msg_id
/// window, then settled (from WeChat's receipt, or reported unknown), never sent twice.
/// </summary>
public sealed class WechatConformanceTests(DeliveryApp app) : IClassFixture<DeliveryApp>
{
    private const string Template = DeliveryApp.TemplatePath;

    private async Task<(long Attempts, string Status, string? Errmsg, string? MsgId)> RowAsync(long campaignId, string openId)
    {
        await using var conn = await app.OpenAsync();
        return await conn.QuerySingleAsync<(long, string, string?, string?)>(
            "SELECT attempts, status, errmsg, msg_id FROM deliveries WHERE campaign_id = @campaignId AND openid = @openId", new { campaignId, openId });
    }

    [Fact]
    public async Task A_per_minute_limit_waits_a_minute_and_never_drops_the_message()
    {
        app.Daytime();
        var tag = DeliveryApp.NewTag();
        var fans = await app.AddFollowersAsync(1, $"lim{tag}", tag);
        var id = await app.BroadcastAsync($"lim:{tag}", tag);

        // More 45011 answers in a row than Delivery:MaxAttempts (6).
        app.Wechat.Faults.FailUserNext(fans[0], 45011, Template, count: 8);
        await app.Dispatcher.RunAsync(id);
        Assert.Equal((1L, "pending"), ((await RowAsync(id, fans[0])).Attempts, (await RowAsync(id, fans[0])).Status));
        app.Clock.Advance(TimeSpan.FromSeconds(30)); // the first backoff, but WeChat asked for a minute
        await app.Dispatcher.RunAsync(id);
        Assert.Equal(1L, (await RowAsync(id, fans[0])).Attempts);

        for (var i = 0; i < 10 && (await RowAsync(id, fans[0])).Status == "pending"; i++)
        {
            app.Clock.Advance(TimeSpan.FromHours(1));
            app.Daytime();
            await app.Dispatcher.RunAsync(id);
        }

        var row = await RowAsync(id, fans[0]);
        Assert.Equal(("sent", 9L), (row.Status, row.Attempts));
        Assert.Equal(1, app.Received(Template)[fans[0]]);
    }

    [Fact]
    public async Task A_send_delivered_but_never_answered_is_not_resent_after_the_window_and_is_reported_unknown()
    {
        app.Daytime();
        var tag = DeliveryApp.NewTag();
        var fans = await app.AddFollowersAsync(3, $"lost{tag}", tag);
        var id = await app.BroadcastAsync($"lost:{tag}", tag);

        // Every send to the first follower is carried out by WeChat, and every answer is lost.
        app.Wechat.Faults.DeliverThenDropNext(50, Template, fans[0]);
        for (var minute = 0; minute <= 30; minute += 2)
        {
            await app.Dispatcher.RunAsync(id);
            app.Clock.Advance(TimeSpan.FromMinutes(2));
        }

        // At most once per recipient: each resend inside the window was WeChat's duplicate of the first.
        var received = app.Received(Template);
        Assert.All(fans, f => Assert.Equal(1, received.GetValueOrDefault(f)));
        var calls = app.Wechat.CallsTo(Template).Where(c => c.OpenId == fans[0]).ToList();
        Assert.True(calls.Count > 1, "the unanswered send was retried inside the window");
        Assert.All(calls, c => Assert.True(c.At - calls[0].At < TimeSpan.FromMinutes(10), $"a resend {c.At - calls[0].At} after the first"));

        var lost = await RowAsync(id, fans[0]);
        Assert.Equal("unknown", lost.Status);
        Assert.Contains("结果未知", lost.Errmsg);
        var viewer = await app.StaffAsync("viewer");
        var report = JsonDocument.Parse(await viewer.GetStringAsync($"/api/console/campaigns/{id}/report")).RootElement;
        Assert.Equal(1, report.GetProperty("byStatus").GetProperty("unknown").GetInt32());
        Assert.Equal(2, report.GetProperty("byStatus").GetProperty("sent").GetInt32());
        var failure = Assert.Single(report.GetProperty("failures").EnumerateArray());
        Assert.Equal(("unknown", lost.Errmsg), (failure.GetProperty("status").GetString(), failure.GetProperty("errmsg").GetString()));
    }

    [Fact]
    public async Task A_lost_answer_is_settled_as_sent_from_wechats_receipt_once_the_window_has_passed()
    {
        app.Daytime();
        var tag = DeliveryApp.NewTag();
        var fans = await app.AddFollowersAsync(1, $"rcv{tag}", tag);
        var id = await app.BroadcastAsync($"rcv:{tag}", tag);
        app.Wechat.Faults.DeliverThenDropNext(50, Template, fans[0]);
        await app.Dispatcher.RunAsync(id);
        var delivered = app.Wechat.CallsTo(Template).Single(c => c.OpenId == fans[0]);
        Assert.True(delivered.Dropped);
        Assert.Equal(19, delivered.MsgId!.Value.ToString().Length);

        // WeChat's TEMPLATESENDJOBFINISH for the delivered message: no sent row has its msgid, so it waits.
        using var platform = new WechatPlatform(app.CreateClient(), new PlatformAccount(DeliveryApp.OaAppId, DeliveryApp.CallbackToken), app.Clock, null, app.Wechat);
        var receipt = await platform.PostAsync(PlatformMessages.TemplateSendJobFinish("gh_3f8a1c27b9e4", fans[0], platform.Now,
            delivered.MsgId.Value, "success"), CallbackMode.Plaintext);
        Assert.Equal(HttpStatusCode.OK, receipt.Status);

        app.Clock.Advance(TimeSpan.FromMinutes(10));
        await app.Dispatcher.RunAsync(id);

        var row = await RowAsync(id, fans[0]);
        Assert.Equal(("sent", delivered.MsgId.Value.ToString()), (row.Status, row.MsgId));
        Assert.Equal(1, app.Wechat.CallsTo(Template).Count(c => c.OpenId == fans[0]));
    }

    [Fact]
    public async Task Subscribe_send_keeps_the_19_digit_msgid_wechat_returned()
    {
        app.Daytime();
        var session = await Sessions.CreateAsync(app, 10, 0, startsIn: TimeSpan.FromDays(1).Add(TimeSpan.FromMinutes(1)));
        var (parent, child, _) = await app.ParentAsync(KepuApp.ReminderTemplate);
        await parent.SignUpOkAsync(session, child);
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await app.TickAsync();

        var call = app.Wechat.CallsTo(DeliveryApp.SubscribePath).Single(c => c.OpenId == parent.OpenId);
        var stored = await app.ScalarAsync<string>($"SELECT msg_id FROM deliveries WHERE openid = '{parent.OpenId}' AND channel = 'mp_subscribe'");
        Assert.Equal(call.MsgId!.Value.ToString(), stored);
        Assert.Equal(19, stored!.Length);
    }
}
