using WechatKepu.Simulator.Platform;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using WechatKepu.Data.Delivery;
using WechatKepu.Server.Features.Delivery;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Delivery;

public sealed class DeliveryEngineTests(DeliveryApp app) : IClassFixture<DeliveryApp>
{
    private const string Template = DeliveryApp.TemplatePath;

    [Fact]
    public async Task Broadcast_reaches_every_follower_once_with_the_row_id_as_client_msg_id()
    {
        app.Daytime();
        var tag = DeliveryApp.NewTag();
        var fans = await app.AddFollowersAsync(120, $"bc{tag}", tag);
        var id = await app.BroadcastAsync($"test:{tag}", tag);

        await app.Dispatcher.RunAsync(id);

        var received = app.Received(Template);
        Assert.All(fans, f => Assert.Equal(1, received.GetValueOrDefault(f)));
        var call = app.Wechat.CallsTo(Template).First(c => c.OpenId == fans[0]);
        var body = JsonDocument.Parse(call.Body!).RootElement;
        var rowId = await app.ScalarAsync<long>($"SELECT id FROM deliveries WHERE campaign_id = {id} AND openid = '{fans[0]}'");
        Assert.Equal(rowId.ToString(), body.GetProperty("client_msg_id").GetString());
        Assert.Equal("completed", await app.ScalarAsync<string>($"SELECT status FROM delivery_campaigns WHERE id = {id}"));
        Assert.Equal(120, await app.ScalarAsync<int>($"SELECT count(*) FROM deliveries WHERE campaign_id = {id} AND status = 'sent' AND msg_id IS NOT NULL"));
    }

    [Fact]
    public async Task Creating_a_campaign_twice_for_the_same_source_creates_it_once()
    {
        app.Daytime();
        var tag = DeliveryApp.NewTag();
        await app.AddFollowersAsync(3, $"dup{tag}", tag);
        await app.BroadcastAsync($"dup:{tag}", tag);
        await using var conn = await app.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var again = await app.Engine.CreateCampaignAsync(conn, tx,
            new CampaignSpec(CampaignKinds.Broadcast, $"dup:{tag}", "x", app.Clock.GetUtcNow(),
                new CampaignContent(OaAppId: DeliveryApp.OaAppId, OaTemplateId: DeliveryApp.TopicTemplate)),
            new DeliveryAudience.Followers(DeliveryApp.OaAppId, tag), app.Clock.GetUtcNow(), CancellationToken.None);
        Assert.Null(again);
    }

    [Fact]
    public async Task Rows_written_in_a_rolled_back_transaction_never_go_out()
    {
        app.Daytime();
        var tag = DeliveryApp.NewTag();
        var fans = await app.AddFollowersAsync(2, $"rb{tag}", tag);
        await using (var conn = await app.OpenAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await app.Engine.CreateCampaignAsync(conn, tx,
                new CampaignSpec(CampaignKinds.Broadcast, $"rb:{tag}", "x", app.Clock.GetUtcNow(),
                    new CampaignContent(OaAppId: DeliveryApp.OaAppId, OaTemplateId: DeliveryApp.TopicTemplate)),
                new DeliveryAudience.Followers(DeliveryApp.OaAppId, tag), app.Clock.GetUtcNow(), CancellationToken.None);
            await tx.RollbackAsync();
        }

        await app.Dispatcher.RunAsync();
        Assert.DoesNotContain(fans[0], app.Received(Template).Keys);
        Assert.Equal(0, await app.ScalarAsync<int>($"SELECT count(*) FROM delivery_campaigns WHERE source = 'rb:{tag}'"));
    }

    [Fact]
    public async Task Retryable_errors_back_off_exponentially_and_then_succeed()
    {
        app.Daytime();
        var tag = DeliveryApp.NewTag();
        var fans = await app.AddFollowersAsync(1, $"retry{tag}", tag);
        var id = await app.BroadcastAsync($"retry:{tag}", tag);

        app.Wechat.Faults.FailNext(1, -1, Template);
        await app.Dispatcher.RunAsync(id);
        Assert.Equal("pending", await app.DeliveryStatusAsync(id, fans[0]));

        app.Wechat.Faults.FailNext(1, 45009, Template);
        app.Clock.Advance(TimeSpan.FromSeconds(30)); // first backoff: 30 s
        await app.Dispatcher.RunAsync(id);
        Assert.Equal("pending", await app.DeliveryStatusAsync(id, fans[0]));

        app.Clock.Advance(TimeSpan.FromSeconds(59)); // second backoff: 60 s, not yet
        await app.Dispatcher.RunAsync(id);
        Assert.Equal("pending", await app.DeliveryStatusAsync(id, fans[0]));

        app.Clock.Advance(TimeSpan.FromSeconds(1));
        await app.Dispatcher.RunAsync(id);
        Assert.Equal("sent", await app.DeliveryStatusAsync(id, fans[0]));
        Assert.Equal(3, await app.ScalarAsync<int>($"SELECT attempts FROM deliveries WHERE campaign_id = {id}"));
        Assert.Equal(1, app.Received(Template)[fans[0]]);
    }

    [Fact]
    public async Task Retryable_errors_fail_the_row_after_the_last_attempt()
    {
        app.Daytime();
        var tag = DeliveryApp.NewTag();
        await app.AddFollowersAsync(1, $"max{tag}", tag);
        var id = await app.BroadcastAsync($"max:{tag}", tag);
        for (var attempt = 0; attempt < 6; attempt++)
        {
            app.Wechat.Faults.FailNext(1, -1, Template);
            await app.Dispatcher.RunAsync(id);
            app.Clock.Advance(TimeSpan.FromHours(1));
            app.Daytime();
        }

        Assert.Equal("failed", await app.ScalarAsync<string>($"SELECT status FROM deliveries WHERE campaign_id = {id}"));
        Assert.Equal(6, await app.ScalarAsync<int>($"SELECT attempts FROM deliveries WHERE campaign_id = {id}"));
        Assert.Equal(-1, await app.ScalarAsync<int>($"SELECT errcode FROM deliveries WHERE campaign_id = {id}"));
    }

    [Theory]
    [InlineData(40003)] // invalid openid
    [InlineData(43004)] // not following
    [InlineData(47003)] // bad data field
    [InlineData(40037)] // invalid template
    [InlineData(48001)] // API not authorised (configuration)
    public async Task Permanent_errors_are_recorded_with_their_errcode_and_never_retried(int errcode)
    {
        app.Daytime();
        var tag = DeliveryApp.NewTag();
        var fans = await app.AddFollowersAsync(1, $"perm{errcode}{tag}", tag);
        var id = await app.BroadcastAsync($"perm:{tag}", tag);

        app.Wechat.Faults.FailNext(1, errcode, Template);
        await app.Dispatcher.RunAsync(id);
        app.Clock.Advance(TimeSpan.FromHours(2));
        await app.Dispatcher.RunAsync(id);

        Assert.Equal("failed", await app.DeliveryStatusAsync(id, fans[0]));
        Assert.Equal(errcode, await app.ScalarAsync<int>($"SELECT errcode FROM deliveries WHERE campaign_id = {id}"));
        Assert.Equal(1, app.Wechat.CallsTo(Template).Count(c => c.OpenId == fans[0]));
        if (errcode == 43004)
        {
            Assert.NotNull(await app.ScalarAsync<DateTime?>($"SELECT not_following_at FROM followers WHERE openid = '{fans[0]}'"));
        }
    }

    [Fact]
    public async Task A_dropped_template_send_is_resent_with_the_same_client_msg_id_and_arrives_once()
    {
        app.Daytime();
        var tag = DeliveryApp.NewTag();
        var fans = await app.AddFollowersAsync(1, $"drop{tag}", tag);
        var id = await app.BroadcastAsync($"drop:{tag}", tag);

        // The send reaches WeChat but its answer is lost: the row is retried, WeChat deduplicates.
        app.Wechat.Faults.DropNext(1, Template);
        await app.Dispatcher.RunAsync(id);
        Assert.Equal("pending", await app.DeliveryStatusAsync(id, fans[0]));
        app.Clock.Advance(TimeSpan.FromSeconds(30));
        await app.Dispatcher.RunAsync(id);

        Assert.Equal("sent", await app.DeliveryStatusAsync(id, fans[0]));
        var bodies = app.Wechat.CallsTo(Template).Where(c => c.OpenId == fans[0]).Select(c => JsonDocument.Parse(c.Body!).RootElement.GetProperty("client_msg_id").GetString()).Distinct();
        Assert.Single(bodies);
    }

    [Fact]
    public async Task A_token_revoked_mid_campaign_is_refreshed_and_every_follower_gets_one_message()
    {
        app.Daytime();
        var tag = DeliveryApp.NewTag();
        var fans = await app.AddFollowersAsync(200, $"tok{tag}", tag);
        var id = await app.BroadcastAsync($"tok:{tag}", tag);
        var before = app.Wechat.CountCalls(Template, 40001);

        var run = app.Dispatcher.RunAsync(id);
        for (var i = 0; i < 2000 && app.Wechat.CallsTo(Template).Count(c => c.OpenId?.StartsWith($"tok{tag}") == true) < 40; i++)
        {
            await Task.Delay(5);
        }

        app.Wechat.RejectCurrentToken(DeliveryApp.OaAppId);
        await run;
        await app.Dispatcher.RunAsync(id);

        var received = app.Received(Template);
        Assert.All(fans, f => Assert.Equal(1, received.GetValueOrDefault(f)));
        Assert.True(app.Wechat.CountCalls(Template, 40001) > before, "some sends met the revoked token");
        Assert.Equal(200, await app.ScalarAsync<int>($"SELECT count(*) FROM deliveries WHERE campaign_id = {id} AND status = 'sent'"));
    }

    [Fact]
    public async Task Concurrent_dispatchers_never_send_a_row_twice()
    {
        app.Daytime();
        var tag = DeliveryApp.NewTag();
        var fans = await app.AddFollowersAsync(600, $"conc{tag}", tag);
        var id = await app.BroadcastAsync($"conc:{tag}", tag);

        // Four instances' dispatchers (one process runs one at a time; instances share only the database).
        var instances = Enumerable.Range(0, 4).Select(_ => ActivatorUtilities.CreateInstance<DeliveryDispatcher>(app.Services)).ToList();
        await Task.WhenAll(instances.Select(d => Task.Run(() => d.RunAsync(id))));

        var calls = app.Wechat.CallsTo(Template).Where(c => c.OpenId?.StartsWith($"conc{tag}") == true).ToList();
        Assert.Equal(600, calls.Count);
        Assert.Equal(600, calls.Select(c => c.OpenId).Distinct().Count());
    }

    [Fact]
    public async Task Quiet_hours_hold_non_urgent_campaigns_until_morning_but_not_urgent_ones()
    {
        app.Daytime();
        var tag = DeliveryApp.NewTag();
        var fans = await app.AddFollowersAsync(1, $"quiet{tag}", tag);
        var tonight = app.NextShanghai(23);
        app.SetShanghai(tonight);
        var normal = await app.BroadcastAsync($"quiet:{tag}", tag);
        var urgent = await app.BroadcastAsync($"quiet-urgent:{tag}", tag, urgent: true);

        await app.Dispatcher.RunAsync();
        Assert.Equal("pending", await app.DeliveryStatusAsync(normal, fans[0]));
        Assert.Equal("sent", await app.DeliveryStatusAsync(urgent, fans[0]));

        app.SetShanghai(tonight.AddHours(7).AddMinutes(59)); // 06:59 next morning
        await app.Dispatcher.RunAsync();
        Assert.Equal("pending", await app.DeliveryStatusAsync(normal, fans[0]));

        app.SetShanghai(tonight.AddHours(8)); // 07:00 next morning
        await app.Dispatcher.RunAsync();
        Assert.Equal("sent", await app.DeliveryStatusAsync(normal, fans[0]));
    }

    [Fact]
    public async Task A_receipt_confirms_or_fails_its_row()
    {
        app.Daytime();
        var tag = DeliveryApp.NewTag();
        var fans = await app.AddFollowersAsync(2, $"rcpt{tag}", tag);
        var id = await app.BroadcastAsync($"rcpt:{tag}", tag);
        await app.Dispatcher.RunAsync(id);
        var msg0 = await app.ScalarAsync<long>($"SELECT msg_id FROM deliveries WHERE campaign_id = {id} AND openid = '{fans[0]}'");
        var msg1 = await app.ScalarAsync<long>($"SELECT msg_id FROM deliveries WHERE campaign_id = {id} AND openid = '{fans[1]}'");

        // WeChat posts TEMPLATESENDJOBFINISH to the callback; the receipt processor applies it.
        var platform = new WechatPlatform(app.CreateClient(), new PlatformAccount(DeliveryApp.OaAppId, DeliveryApp.CallbackToken, null), app.Clock, null, app.Wechat);
        async Task PostAsync(string openId, long msgId, string status) =>
            Assert.Equal(System.Net.HttpStatusCode.OK, (await platform.PostAsync(PlatformMessages.TemplateSendJobFinish(
                "gh_health", openId, app.Clock.GetUtcNow().ToUnixTimeSeconds(), msgId, status), CallbackMode.Plaintext)).Status);
        await PostAsync(fans[0], msg0, "success");
        await PostAsync(fans[1], msg1, "failed:user block");
        await PostAsync(fans[1], 424242, "success"); // matches no send (yet): kept for the sweep
        Assert.Equal(1L, await app.ScalarAsync<long>($"SELECT count(*) FROM wechat_receipts WHERE msg_id = '424242' AND processed_at IS NULL"));
        Assert.Equal(0L, await app.ScalarAsync<long>($"SELECT count(*) FROM wechat_receipts WHERE msg_id IN ('{msg0}', '{msg1}') AND processed_at IS NULL"));

        Assert.Equal("sent", await app.DeliveryStatusAsync(id, fans[0]));
        Assert.Equal("failed", await app.DeliveryStatusAsync(id, fans[1]));
        Assert.Equal("failed:user block", await app.ScalarAsync<string>($"SELECT receipt_status FROM deliveries WHERE msg_id = '{msg1}'"));
    }

    [Fact]
    public async Task Receipts_the_callback_stores_are_applied_through_its_receipt_handler_and_late_ones_by_the_tick()
    {
        app.Daytime();
        var tag = DeliveryApp.NewTag();
        var fans = await app.AddFollowersAsync(3, $"cbr{tag}", tag);
        var id = await app.BroadcastAsync($"cbr:{tag}", tag);
        await app.Dispatcher.RunAsync(id);
        var msg = new long[3];
        for (var i = 0; i < 3; i++)
        {
            msg[i] = await app.ScalarAsync<long>($"SELECT msg_id FROM deliveries WHERE campaign_id = {id} AND openid = '{fans[i]}'");
        }

        // As the callback stores TEMPLATESENDJOBFINISH events; the third one's msgid is not known yet.
        await using var conn = await app.OpenAsync();
        await conn.ExecuteAsync($"UPDATE deliveries SET msg_id = NULL WHERE msg_id = '{msg[2]}'");
        var receiptIds = (await conn.QueryAsync<long>("""
            INSERT INTO wechat_receipts (app_id, openid, kind, msg_id, status, dedup_key, received_at)
            SELECT @app, o, 'template_send', m::text, s, 'k' || m, now() FROM unnest(@openIds, @msgIds, @statuses) AS u (o, m, s)
            RETURNING id
            """, new { app = DeliveryApp.OaAppId, openIds = fans.ToArray(), msgIds = msg, statuses = new[] { "success", "failed:user block", "success" } })).ToList();

        await app.Services.GetRequiredService<WechatKepu.Server.Features.Callback.IReceiptHandler>().HandleAsync(DeliveryApp.OaAppId, receiptIds, default);
        Assert.Equal("success", await app.ScalarAsync<string>($"SELECT receipt_status FROM deliveries WHERE campaign_id = {id} AND openid = '{fans[0]}'"));
        Assert.Equal("failed", await app.DeliveryStatusAsync(id, fans[1]));
        Assert.Equal(1, await app.ScalarAsync<int>($"SELECT count(*) FROM wechat_receipts WHERE id = ANY (ARRAY[{string.Join(",", receiptIds)}]::bigint[]) AND processed_at IS NULL"));

        await conn.ExecuteAsync($"UPDATE deliveries SET msg_id = '{msg[2]}' WHERE campaign_id = {id} AND openid = '{fans[2]}'");
        await app.TickAsync();
        Assert.Equal("success", await app.ScalarAsync<string>($"SELECT receipt_status FROM deliveries WHERE campaign_id = {id} AND openid = '{fans[2]}'"));
        Assert.Equal(0, await app.ScalarAsync<int>($"SELECT count(*) FROM wechat_receipts WHERE id = ANY (ARRAY[{string.Join(",", receiptIds)}]::bigint[]) AND processed_at IS NULL"));
    }

    [Fact]
    public async Task Staff_read_a_report_with_counts_by_outcome_and_errcode_and_the_failures()
    {
        app.Daytime();
        var tag = DeliveryApp.NewTag();
        var fans = await app.AddFollowersAsync(5, $"rep{tag}", tag);
        var id = await app.BroadcastAsync($"rep:{tag}", tag);
        app.Wechat.Faults.FailNext(2, 43004, Template);
        await app.Dispatcher.RunAsync(id);

        var viewer = await app.StaffAsync("viewer");
        var report = JsonDocument.Parse(await viewer.GetStringAsync($"/api/console/campaigns/{id}/report")).RootElement;
        Assert.Equal(3, report.GetProperty("byStatus").GetProperty("sent").GetInt32());
        Assert.Equal(2, report.GetProperty("byStatus").GetProperty("failed").GetInt32());
        Assert.Contains(report.GetProperty("counts").EnumerateArray(),
            c => c.GetProperty("status").GetString() == "failed" && c.GetProperty("errcode").GetInt32() == 43004 && c.GetProperty("count").GetInt32() == 2);
        Assert.Equal(2, report.GetProperty("failures").GetArrayLength());
        Assert.Equal("completed", report.GetProperty("campaign").GetProperty("status").GetString());
        // Whom a failure was for is an admin's to see; others get enough to tell the rows apart.
        Assert.All(report.GetProperty("failures").EnumerateArray(), f => Assert.DoesNotContain(f.GetProperty("openId").GetString(), fans));
        var admin = await app.StaffAsync("admin");
        var full = JsonDocument.Parse(await admin.GetStringAsync($"/api/console/campaigns/{id}/report")).RootElement;
        Assert.All(full.GetProperty("failures").EnumerateArray(), f => Assert.Contains(f.GetProperty("openId").GetString(), fans));

        var list = JsonDocument.Parse(await viewer.GetStringAsync("/api/console/campaigns?kind=broadcast")).RootElement;
        Assert.Contains(list.EnumerateArray(), c => c.GetProperty("id").GetInt64() == id);
    }

    [Fact]
    public async Task Campaign_api_refuses_bad_input_anonymous_callers_and_viewers_writing()
    {
        var anonymous = app.CreateClient();
        await ProblemAssert.IsProblemAsync(await anonymous.GetAsync("/api/console/campaigns"), HttpStatusCode.Unauthorized);
        var viewer = await app.StaffAsync("viewer");
        await ProblemAssert.IsProblemAsync(await viewer.PostAsync("/api/console/campaigns/1/cancel", null), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(await viewer.GetAsync("/api/console/campaigns?kind=spam"), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await viewer.GetAsync("/api/console/campaigns?limit=0"), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await viewer.GetAsync("/api/console/campaigns/999999/report"), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await viewer.GetAsync("/api/console/campaigns/abc/report"), HttpStatusCode.NotFound);
        var organiser = await app.StaffAsync("organiser", unit: "柳州科技馆");
        await ProblemAssert.IsProblemAsync(await organiser.PostAsync("/api/console/campaigns/999999/cancel", null), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Cancelling_a_campaign_stops_what_has_not_gone_out()
    {
        app.Daytime();
        var tag = DeliveryApp.NewTag();
        var fans = await app.AddFollowersAsync(3, $"cxl{tag}", tag);
        var night = app.NextShanghai(23); // held by quiet hours
        app.SetShanghai(night);
        var id = await app.BroadcastAsync($"cxl:{tag}", tag);
        // A campaign to the account's followers is no one unit's to stop.
        var organiser = await app.StaffAsync("organiser", unit: "柳州科技馆");
        await ProblemAssert.IsProblemAsync(await organiser.PostAsync($"/api/console/campaigns/{id}/cancel", null), HttpStatusCode.Forbidden, "account_wide");
        var admin = await app.StaffAsync("admin");

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/console/campaigns/{id}/cancel", null)).StatusCode);
        await ProblemAssert.IsProblemAsync(await admin.PostAsync($"/api/console/campaigns/{id}/cancel", null), HttpStatusCode.Conflict);
        Assert.Equal(1L, await app.ScalarAsync<long>($"SELECT count(*) FROM staff_audit_log WHERE action = 'campaign.cancel' AND target = 'campaign:{id}'"));
        app.SetShanghai(night.AddHours(9));
        await app.Dispatcher.RunAsync();

        Assert.Equal(3, await app.ScalarAsync<int>($"SELECT count(*) FROM deliveries WHERE campaign_id = {id} AND status = 'cancelled'"));
        Assert.DoesNotContain(fans[0], app.Received(Template).Keys);
    }

    [Fact]
    public async Task Hangfire_dashboard_refuses_anonymous_access()
    {
        var response = await app.CreateClient().GetAsync("/console/hangfire");
        Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, response.StatusCode.ToString());
    }
}
