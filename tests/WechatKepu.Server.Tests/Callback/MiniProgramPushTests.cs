using System.Net;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using WechatKepu.Data.Delivery;
using WechatKepu.Server.Tests.Delivery;
using WechatKepu.Server.Tests.Infrastructure;
using WechatKepu.Simulator.Platform;
using WechatKepu.Testing;

namespace WechatKepu.Server.Tests.Callback;

/// <summary>The delivery app with the mini-program's message push (消息推送) configured: Token and EncodingAESKey.</summary>
public sealed class MiniProgramPushApp : DeliveryApp
{
    public const string PushToken = "mp-push-token";
    public const string MpOriginalId = "gh_5e0c9a7d3b21";
    public static readonly string PushAesKey = WechatPlatform.NewEncodingAesKey();

    protected override void Configure(IWebHostBuilder builder)
    {
        base.Configure(builder);
        builder.UseSetting("Wechat:MiniProgram:Token", PushToken);
        builder.UseSetting("Wechat:MiniProgram:EncodingAESKey", PushAesKey);
    }

    /// <summary>WeChat's side of the mini-program's message push.</summary>
    public WechatPlatform MiniProgramPlatform() =>
        new(CreateClient(), new PlatformAccount(MpAppId, PushToken, PushAesKey, MpOriginalId), Clock);
}

/// <summary>
/// <c>/wechat/{miniProgramAppId}</c>: subscribe-message receipts and grant events pushed to the mini-program, in
/// XML or JSON, plaintext or safe mode, matched to delivery rows by the 19-digit msgid subscribe/send returned.
/// </summary>
public sealed class MiniProgramPushTests(MiniProgramPushApp app) : IClassFixture<MiniProgramPushApp>
{
    private const string Gh = MiniProgramPushApp.MpOriginalId;

    private static int _campaigns;

    /// <summary>Parents holding a grant, each sent one subscribe message; returns each parent's delivery msg_id.</summary>
    private async Task<(long CampaignId, List<(Parent Parent, long DeliveryId, string MsgId)> Rows)> SentToParentsAsync(int parents)
    {
        app.Daytime();
        var session = await Sessions.CreateAsync(app, 10, 0, startsIn: TimeSpan.FromDays(3));
        var all = new List<Parent>();
        for (var i = 0; i < parents; i++)
        {
            var (parent, child, _) = await app.ParentAsync(KepuApp.ReminderTemplate);
            await parent.SignUpOkAsync(session, child);
            all.Add(parent);
        }

        long campaignId;
        await using (var conn = await app.OpenAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            var created = await app.Engine.CreateCampaignAsync(conn, tx,
                new CampaignSpec(CampaignKinds.Broadcast, $"mp-push:{Interlocked.Increment(ref _campaigns)}:{session}", "提醒", app.Clock.GetUtcNow(),
                    new CampaignContent(MpTemplateId: KepuApp.ReminderTemplate, MpData: new Dictionary<string, string> { ["thing1"] = "科学实验秀" })),
                new DeliveryAudience.SessionParents(session), app.Clock.GetUtcNow(), CancellationToken.None);
            await tx.CommitAsync();
            campaignId = created!.CampaignId;
        }

        await app.Dispatcher.RunAsync(campaignId);
        var rows = new List<(Parent, long, string)>();
        await using var read = await app.OpenAsync();
        foreach (var parent in all)
        {
            var (id, msgId) = await read.QuerySingleAsync<(long, string)>(
                "SELECT id, msg_id FROM deliveries WHERE campaign_id = @campaignId AND openid = @openId AND status = 'sent'",
                new { campaignId, openId = parent.OpenId });
            rows.Add((parent, id, msgId));
        }

        return (campaignId, rows);
    }

    private async Task<(string? ReceiptStatus, string Status, int? Errcode)> RowAsync(long deliveryId)
    {
        await using var conn = await app.OpenAsync();
        return await conn.QuerySingleAsync<(string?, string, int?)>("SELECT receipt_status, status, errcode FROM deliveries WHERE id = @deliveryId", new { deliveryId });
    }

    public static TheoryData<CallbackMode, bool, bool> Shapes() => new()
    {
        { CallbackMode.Safe, true, false },   // safe-mode JSON, List as an object
        { CallbackMode.Safe, true, true },    // safe-mode JSON, List as an array
        { CallbackMode.Safe, false, false },  // safe-mode XML
        { CallbackMode.Safe, false, true },   // XML ignores the flag: one <List> either way
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task A_sent_event_with_a_19_digit_msgid_marks_the_matching_row(CallbackMode mode, bool json, bool listAsArray)
    {
        var (_, rows) = await SentToParentsAsync(1);
        var (parent, deliveryId, msgId) = rows[0];
        Assert.Equal(19, msgId.Length);
        using var platform = app.MiniProgramPlatform();

        var xml = PlatformMessages.SubscribeMsgSent(Gh, parent.OpenId, platform.Now, (KepuApp.ReminderTemplate, msgId, 0));
        var reply = await platform.PostAsync(json ? PlatformMessages.AsJson(xml, listAsArray) : xml, mode);

        Assert.Equal((HttpStatusCode.OK, "success"), (reply.Status, reply.Body));
        Assert.Equal(("success", "sent", (int?)null), await RowAsync(deliveryId));
    }

    [Fact]
    public async Task One_event_listing_two_sends_marks_both_rows_each_by_its_own_msgid_and_a_refusal_zeroes_the_grant()
    {
        var (_, rows) = await SentToParentsAsync(2);
        using var platform = app.MiniProgramPlatform();
        // The second parent accepted again meanwhile (balance 1), then WeChat reports their message refused.
        await app.GrantAsync(rows[1].Parent, KepuApp.ReminderTemplate);
        Assert.Equal(1, await app.GrantBalanceAsync(rows[1].Parent, KepuApp.ReminderTemplate));

        foreach (var (parent, _, msgId) in rows)
        {
            var code = parent == rows[0].Parent ? 0 : 43101;
            var xml = PlatformMessages.SubscribeMsgSent(Gh, parent.OpenId, platform.Now, (KepuApp.ReminderTemplate, msgId, code));
            Assert.True((await platform.PostAsync(PlatformMessages.AsJson(xml, listAsArray: true), CallbackMode.Safe)).IsNoReply);
        }

        Assert.Equal(("success", "sent", (int?)null), await RowAsync(rows[0].DeliveryId));
        var refused = await RowAsync(rows[1].DeliveryId);
        Assert.Equal(("failed", 43101), (refused.Status, refused.Errcode));
        Assert.Equal(0, await app.GrantBalanceAsync(rows[1].Parent, KepuApp.ReminderTemplate));
    }

    [Fact]
    public async Task A_receipt_for_a_msgid_we_never_got_is_not_given_to_the_users_waiting_row()
    {
        var (campaignId, rows) = await SentToParentsAsync(1);
        var (parent, deliveryId, msgId) = rows[0];
        using var platform = app.MiniProgramPlatform();
        var other = (long.Parse(msgId) + 7).ToString();

        await platform.PostAsync(PlatformMessages.SubscribeMsgSent(Gh, parent.OpenId, platform.Now, (KepuApp.ReminderTemplate, other, 43101)), CallbackMode.Safe);

        Assert.Equal((null, "sent", null), await RowAsync(deliveryId));
        Assert.Equal(0, (await app.Engine.ReportAsync(campaignId, 10, default))!.UnmatchedReceipts);
    }

    [Fact]
    public async Task A_receipt_without_a_usable_msgid_is_closed_as_unmatched_and_the_report_says_so()
    {
        var (campaignId, rows) = await SentToParentsAsync(1);
        var (parent, deliveryId, _) = rows[0];
        using var platform = app.MiniProgramPlatform();
        app.Clock.Advance(TimeSpan.FromSeconds(5));

        await platform.PostAsync(PlatformMessages.SubscribeMsgSent(Gh, parent.OpenId, platform.Now, (KepuApp.ReminderTemplate, "", 0)), CallbackMode.Safe);

        Assert.Equal((null, "sent", null), await RowAsync(deliveryId));
        Assert.Equal(1, (await app.Engine.ReportAsync(campaignId, 10, default))!.UnmatchedReceipts);
        var staff = await app.StaffAsync("viewer");
        var report = System.Text.Json.JsonDocument.Parse(await staff.GetStringAsync($"/api/console/campaigns/{campaignId}/report")).RootElement;
        Assert.Equal(1, report.GetProperty("unmatchedReceipts").GetInt32());
    }

    [Fact]
    public async Task The_reminder_path_from_grant_to_receipt_runs_end_to_end_with_real_size_ids()
    {
        app.Daytime();
        var start = app.NextShanghai(15).AddDays(2);
        var session = await Sessions.CreateAsync(app, 10, 0, startsIn: start - app.Clock.GetUtcNow(),
            closesBeforeStart: TimeSpan.FromHours(1), cancelBeforeStart: TimeSpan.FromHours(1));
        var (parent, child, _) = await app.ParentAsync();
        await parent.SignUpOkAsync(session, child);
        using var platform = app.MiniProgramPlatform();

        // Grant: the tap, told by WeChat's push (JSON, safe mode) and by the mini-program; WeChat's side learns it too.
        var popup = PlatformMessages.SubscribeMsgPopup(Gh, parent.OpenId, platform.Now, (KepuApp.ReminderTemplate, "accept"));
        await platform.PostAsync(PlatformMessages.AsJson(popup), CallbackMode.Safe);
        await app.GrantAsync(parent, KepuApp.ReminderTemplate);
        Assert.Equal(1, await app.GrantBalanceAsync(parent, KepuApp.ReminderTemplate));

        // Send: the 24-hour reminder, with WeChat's receipts posted back to the mini-program's push URL as they come.
        var queue = new WechatKepu.Simulator.ChannelReceiptSink();
        app.Wechat.Receipts = queue;
        try
        {
            app.SetShanghai(start.AddHours(-24));
            await app.TickAsync();
            var delivery = new ReceiptDelivery(new Dictionary<string, PushTarget> { [KepuApp.MpAppId] = new(platform, CallbackMode.Safe, Json: true) });
            Assert.Equal(1, await delivery.DeliverQueuedAsync(queue.Reader));
        }
        finally
        {
            app.Wechat.Receipts = null;
        }

        // Receipt: matched by the 19-digit msgid subscribe/send returned.
        var call = app.Wechat.CallsTo(DeliveryApp.SubscribePath).Single(c => c.OpenId == parent.OpenId);
        await using var conn = await app.OpenAsync();
        var row = await conn.QuerySingleAsync<(string MsgId, string Status, string ReceiptStatus)>(
            "SELECT msg_id, status, receipt_status FROM deliveries WHERE openid = @openId AND channel = 'mp_subscribe'", new { openId = parent.OpenId });
        Assert.Equal((call.MsgId!.Value.ToString(), "sent", "success"), row);
        Assert.Equal(19, row.MsgId.Length);
        Assert.Equal(0, await app.GrantBalanceAsync(parent, KepuApp.ReminderTemplate));
    }

    [Fact]
    public async Task A_popup_accept_reported_by_both_the_mini_program_and_wechat_counts_once()
    {
        var (parent, _, _) = await app.ParentAsync();
        using var platform = app.MiniProgramPlatform();
        var popup = PlatformMessages.SubscribeMsgPopup(Gh, parent.OpenId, platform.Now,
            (KepuApp.ReminderTemplate, "accept"), (KepuApp.PromotedTemplate, "reject"));

        // WeChat's push first, then the mini-program's own report of the same tap.
        Assert.True((await platform.PostAsync(PlatformMessages.AsJson(popup), CallbackMode.Safe)).IsNoReply);
        Assert.Equal(1, await app.GrantBalanceAsync(parent, KepuApp.ReminderTemplate));
        await app.GrantAsync(parent, KepuApp.ReminderTemplate);
        Assert.Equal(1, await app.GrantBalanceAsync(parent, KepuApp.ReminderTemplate));
        Assert.Equal(0, await app.GrantBalanceAsync(parent, KepuApp.PromotedTemplate));

        // A second tap, reported the other way round, counts once more.
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await app.GrantAsync(parent, KepuApp.ReminderTemplate);
        await platform.PostAsync(PlatformMessages.SubscribeMsgPopup(Gh, parent.OpenId, platform.Now, (KepuApp.ReminderTemplate, "accept")), CallbackMode.Safe);
        Assert.Equal(2, await app.GrantBalanceAsync(parent, KepuApp.ReminderTemplate));
    }

    [Fact]
    public async Task A_reject_in_settings_zeroes_the_balance()
    {
        var (parent, _, _) = await app.ParentAsync(KepuApp.ReminderTemplate, KepuApp.ReminderTemplate);
        Assert.Equal(2, await app.GrantBalanceAsync(parent, KepuApp.ReminderTemplate));
        using var platform = app.MiniProgramPlatform();

        var change = PlatformMessages.SubscribeMsgChange(Gh, parent.OpenId, platform.Now, (KepuApp.ReminderTemplate, "reject"));
        Assert.True((await platform.PostAsync(change, CallbackMode.Safe)).IsNoReply);

        Assert.Equal(0, await app.GrantBalanceAsync(parent, KepuApp.ReminderTemplate));
        Assert.Equal(-2, await app.ScalarAsync<int>($"""
            SELECT l.delta FROM subscribe_grant_ledger l JOIN mp_users u ON u.id = l.user_id
            WHERE u.openid = '{parent.OpenId}' AND l.reason = 'push:change:reject'
            """));
    }

    [Fact]
    public async Task Url_verification_and_unknown_events_are_answered_and_nothing_is_replied_to()
    {
        using var platform = app.MiniProgramPlatform();
        Assert.Equal((HttpStatusCode.OK, "echo-mp"), await platform.VerifyUrlAsync("echo-mp"));

        var unknown = Corpus.Read("push/user_enter_tempsession.json");
        Assert.True((await platform.PostAsync(unknown, CallbackMode.Safe)).IsNoReply);
        var text = platform.Text("oAbeuEchsVEoR7TJYHSDATOCN1D6", "活动");
        var reply = await platform.PostAsync(text, CallbackMode.Safe);
        Assert.True(reply.IsNoReply, "the mini-program's push never gets the official account's keyword replies");
    }

    [Fact]
    public async Task Bad_pushes_are_refused_with_problem_details_and_write_nothing()
    {
        using var platform = app.MiniProgramPlatform();
        using var wrong = new WechatPlatform(app.CreateClient(), new PlatformAccount(KepuApp.MpAppId, "not-the-token", MiniProgramPushApp.PushAesKey, Gh), app.Clock);
        using var client = app.CreateClient();
        var before = await app.ScalarAsync<long>("SELECT count(*) FROM wechat_inbound");

        async Task RefusedAsync(PlatformRequest request, HttpStatusCode status, string code)
        {
            using var content = new StringContent(request.Body, Encoding.UTF8, "application/json");
            await ProblemAssert.IsProblemAsync(await client.PostAsync(request.PathAndQuery, content), status, code);
        }

        var sent = PlatformMessages.AsJson(PlatformMessages.SubscribeMsgSent(Gh, "oAbeuEchsVEoR7TJYHSDATOCN1D6", platform.Now, ("t", "1700827132819554304", 0)));
        await RefusedAsync(wrong.Sign(sent, CallbackMode.Safe), HttpStatusCode.Unauthorized, "callback_signature_invalid");
        await RefusedAsync(platform.Sign("{\"ToUserName\": \"gh_x\", ", CallbackMode.Safe), HttpStatusCode.BadRequest, "callback_malformed");
        await RefusedAsync(platform.Sign("{\"ToUserName\": \"gh_x\"}", CallbackMode.Safe), HttpStatusCode.BadRequest, "callback_malformed");
        // With an EncodingAESKey configured, a plaintext push is refused (it could come from anyone).
        await RefusedAsync(platform.Sign(sent, CallbackMode.Plaintext), HttpStatusCode.Forbidden, "callback_encryption_required");
        var safe = platform.Sign(sent, CallbackMode.Safe);
        await RefusedAsync(safe with { Body = safe.Body.Replace("\"Encrypt\":\"", "\"Encrypt\":\"AAAA") }, HttpStatusCode.Unauthorized, "callback_signature_invalid");
        Assert.Equal(before, await app.ScalarAsync<long>("SELECT count(*) FROM wechat_inbound"));
    }
}

/// <summary>A mini-program whose message push is in plaintext mode (Token only, no EncodingAESKey).</summary>
public sealed class MiniProgramPlainPushApp : DeliveryApp
{
    protected override void Configure(IWebHostBuilder builder)
    {
        base.Configure(builder);
        builder.UseSetting("Wechat:MiniProgram:Token", MiniProgramPushApp.PushToken);
    }
}

public sealed class MiniProgramPlainPushTests(MiniProgramPlainPushApp app) : IClassFixture<MiniProgramPlainPushApp>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_plaintext_sent_event_in_json_or_xml_marks_the_row_by_msgid(bool json)
    {
        app.Daytime();
        var session = await Sessions.CreateAsync(app, 10, 0, startsIn: TimeSpan.FromDays(1).Add(TimeSpan.FromMinutes(1)));
        var (parent, child, _) = await app.ParentAsync(KepuApp.ReminderTemplate);
        await parent.SignUpOkAsync(session, child);
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await app.TickAsync();
        var msgId = await app.ScalarAsync<string>($"SELECT msg_id FROM deliveries WHERE openid = '{parent.OpenId}' AND channel = 'mp_subscribe'");
        using var platform = new WechatPlatform(app.CreateClient(), new PlatformAccount(KepuApp.MpAppId, MiniProgramPushApp.PushToken, null, MiniProgramPushApp.MpOriginalId), app.Clock);

        var xml = PlatformMessages.SubscribeMsgSent(MiniProgramPushApp.MpOriginalId, parent.OpenId, platform.Now, (KepuApp.ReminderTemplate, msgId!, 0));
        var reply = await platform.PostAsync(json ? PlatformMessages.AsJson(xml) : xml, CallbackMode.Plaintext);

        Assert.Equal((HttpStatusCode.OK, "success"), (reply.Status, reply.Body));
        Assert.Equal("success", await app.ScalarAsync<string>($"SELECT receipt_status FROM deliveries WHERE msg_id = '{msgId}'"));
    }
}
