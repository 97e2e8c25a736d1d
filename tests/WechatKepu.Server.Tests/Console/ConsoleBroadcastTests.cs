using WechatKepu.Simulator.Platform;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using WechatKepu.Data.Broadcasts;
using WechatKepu.Server.Features.Broadcasts;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Console;

public sealed class ConsoleBroadcastTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    private const string SendAll = "/cgi-bin/message/mass/sendall";

    private BroadcastJob Job => app.Services.GetRequiredService<BroadcastJob>();

    private async Task<long> ComposeAsync(HttpClient staff, object body) =>
        (await (await staff.PostAsJsonAsync("/api/console/broadcasts", body)).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();

    private static object Text(string audience = "all", long? audienceRef = null) =>
        new { title = "科普日通知", kind = "text", text = "9月14日科普日主场活动欢迎参加", page = "pages/index/index", audience, audienceRef };

    private async Task<string> StatusAsync(HttpClient staff, long id) =>
        (await (await staff.GetAsync($"/api/console/broadcasts/{id}")).JsonAsync()).GetProperty("broadcast").GetProperty("status").GetString()!;

    private async Task ResetMassSendsAsync()
    {
        await using var conn = await app.OpenAsync();
        await conn.ExecuteAsync("UPDATE broadcasts SET started_at = started_at - interval '400 days' WHERE msg_id IS NOT NULL");
    }

    [Fact]
    public async Task An_all_followers_broadcast_goes_out_once_through_sendall_with_the_broadcast_id_as_clientmsgid()
    {
        await ResetMassSendsAsync();
        app.Wechat.AddFollower(ConsoleApp.OaAppId, "o-all-1");
        app.Wechat.AddFollower(ConsoleApp.OaAppId, "o-all-2");
        using var admin = await app.StaffAsync("admin", unit: null);
        var id = await ComposeAsync(admin, Text());
        Assert.Equal("draft", await StatusAsync(admin, id));
        var scheduled = await (await admin.PostAsJsonAsync($"/api/console/broadcasts/{id}/schedule", new { })).JsonAsync();
        Assert.Equal("scheduled", scheduled.GetProperty("status").GetString());

        var before = app.Wechat.CountCalls(SendAll);
        await Job.RunAsync(id, CancellationToken.None);
        await Job.RunAsync(id, CancellationToken.None); // a duplicate run sends nothing
        Assert.Equal(before + 1, app.Wechat.CountCalls(SendAll));
        var call = app.Wechat.CallsTo(SendAll)[^1];
        Assert.Contains($"\"clientmsgid\":\"{BroadcastJob.ClientMsgId(id)}\"", call.Body);
        Assert.Contains("data-miniprogram-path", call.Body);
        var detail = await (await admin.GetAsync($"/api/console/broadcasts/{id}")).JsonAsync();
        Assert.Equal("sent", detail.GetProperty("broadcast").GetProperty("status").GetString());
        Assert.Equal(call.MsgId.ToString(), detail.GetProperty("broadcast").GetProperty("msgId").GetString());

        // WeChat's MASSSENDJOBFINISH event, posted to the callback, completes it with WeChat's counts.
        var platform = new WechatPlatform(app.CreateClient(), new PlatformAccount(ConsoleApp.OaAppId, ConsoleApp.OaToken, null), app.Clock, null, app.Wechat);
        var receipt = await platform.PostAsync(PlatformMessages.MassSendJobFinish("gh_console", "mphelper",
            app.Clock.GetUtcNow().ToUnixTimeSeconds(), call.MsgId!.Value, "send success", 2, 2, 2, 0), CallbackMode.Plaintext);
        Assert.Equal(HttpStatusCode.OK, receipt.Status);
        detail = await (await admin.GetAsync($"/api/console/broadcasts/{id}")).JsonAsync();
        Assert.Equal("completed", detail.GetProperty("broadcast").GetProperty("status").GetString());
        Assert.Equal(2, detail.GetProperty("broadcast").GetProperty("sentCount").GetInt32());
    }

    [Fact]
    public async Task A_retry_after_a_lost_answer_reconciles_with_the_first_send_instead_of_sending_twice()
    {
        await ResetMassSendsAsync();
        using var admin = await app.StaffAsync("admin", unit: null);
        var id = await ComposeAsync(admin, Text());
        await admin.PostAsJsonAsync($"/api/console/broadcasts/{id}/schedule", new { });
        await Job.RunAsync(id, CancellationToken.None);
        var first = app.Wechat.CallsTo(SendAll)[^1].MsgId;
        // As if the worker died after WeChat accepted the send but before we stored the answer.
        await using (var conn = await app.OpenAsync())
        {
            await conn.ExecuteAsync("UPDATE broadcasts SET status = 'sending', msg_id = NULL WHERE id = @id", new { id });
        }

        await Job.RunAsync(id, CancellationToken.None);
        Assert.Equal(45065, app.Wechat.CallsTo(SendAll)[^1].Errcode);
        Assert.Equal(first, await app.ScalarAsync<long>($"SELECT msg_id FROM broadcasts WHERE id = {id}"));
        Assert.Equal("sent", await StatusAsync(admin, id));
    }

    [Fact]
    public async Task A_clientmsgid_retried_too_fast_is_not_reported_sent_and_goes_again_with_the_same_clientmsgid()
    {
        await ResetMassSendsAsync();
        using var admin = await app.StaffAsync("admin", unit: null);
        var id = await ComposeAsync(admin, Text());
        await admin.PostAsJsonAsync($"/api/console/broadcasts/{id}/schedule", new { });

        app.Wechat.Faults.FailNext(1, 45066, SendAll);
        await Job.RunAsync(id, CancellationToken.None);
        Assert.Equal("sending", await StatusAsync(admin, id));
        Assert.Null(await app.ScalarAsync<string>($"SELECT msg_id FROM broadcasts WHERE id = {id}"));

        await Job.RunAsync(id, CancellationToken.None); // the job scheduled a minute later
        Assert.Equal("sent", await StatusAsync(admin, id));
        var calls = app.Wechat.CallsTo(SendAll).TakeLast(2).ToList();
        Assert.Equal([45066, 0], calls.Select(c => c.Errcode));
        Assert.All(calls, c => Assert.Contains($"\"clientmsgid\":\"{BroadcastJob.ClientMsgId(id)}\"", c.Body));
    }

    [Fact]
    public async Task A_one_person_text_broadcast_whose_answer_was_lost_is_unknown_and_never_resent()
    {
        app.Wechat.AddFollower(ConsoleApp.OaAppId, "o-solo-1");
        app.Wechat.UserMessaged(ConsoleApp.OaAppId, "o-solo-1");
        long topic;
        await using (var conn = await app.OpenAsync())
        {
            topic = await conn.ExecuteScalarAsync<long>("INSERT INTO reminder_topics (app_id, name) VALUES ('wxoatest000000001', '单人话题') RETURNING id");
            await conn.ExecuteAsync("""
                INSERT INTO followers (app_id, openid, subscribed) VALUES ('wxoatest000000001', 'o-solo-1', true) ON CONFLICT DO NOTHING;
                INSERT INTO topic_subscriptions (topic_id, follower_id, subscribed_at) SELECT @topic, id, now() FROM followers WHERE openid = 'o-solo-1';
                """, new { topic });
        }

        using var admin = await app.StaffAsync("admin", unit: null);
        var id = await ComposeAsync(admin, Text("topic", topic));
        await admin.PostAsJsonAsync($"/api/console/broadcasts/{id}/schedule", new { });
        app.Wechat.Faults.DeliverThenDropNext(1, "/cgi-bin/message/custom/send", "o-solo-1");
        await Job.RunAsync(id, CancellationToken.None);
        await Job.RunAsync(id, CancellationToken.None);

        Assert.Equal(1, app.Wechat.CallsTo("/cgi-bin/message/custom/send").Count(c => c.OpenId == "o-solo-1"));
        Assert.Equal("unknown", await app.ScalarAsync<string>($"SELECT status FROM broadcast_recipients WHERE broadcast_id = {id}"));
    }

    [Fact]
    public async Task An_organisers_mass_send_waits_for_an_admin_and_the_monthly_cap_is_kept()
    {
        await ResetMassSendsAsync();
        using var organiser = await app.StaffAsync("organiser");
        using var admin = await app.StaffAsync("admin", unit: null);
        var id = await ComposeAsync(organiser, Text("tag", 100));
        var waiting = await (await organiser.PostAsJsonAsync($"/api/console/broadcasts/{id}/schedule", new { })).JsonAsync();
        Assert.Equal("awaiting_confirmation", waiting.GetProperty("status").GetString());
        await Job.RunAsync(id, CancellationToken.None);
        Assert.Equal("awaiting_confirmation", await StatusAsync(admin, id)); // nothing sent without the admin
        await ProblemAssert.IsProblemAsync(await organiser.PostAsync($"/api/console/broadcasts/{id}/confirm", null), HttpStatusCode.Forbidden);
        Assert.Equal("scheduled", (await (await admin.PostAsync($"/api/console/broadcasts/{id}/confirm", null)).JsonAsync()).GetProperty("status").GetString());
        await Job.RunAsync(id, CancellationToken.None);
        Assert.Contains("\"tag_id\":100", app.Wechat.CallsTo(SendAll)[^1].Body);

        for (var i = 0; i < 3; i++)
        {
            var more = await ComposeAsync(admin, Text());
            await admin.PostAsJsonAsync($"/api/console/broadcasts/{more}/schedule", new { });
            await Job.RunAsync(more, CancellationToken.None);
        }

        var fifth = await ComposeAsync(admin, Text());
        await ProblemAssert.IsProblemAsync(await admin.PostAsJsonAsync($"/api/console/broadcasts/{fifth}/schedule", new { }), HttpStatusCode.Conflict, "monthly_cap");
        Assert.Equal("draft", await StatusAsync(admin, fifth));
    }

    [Fact]
    public async Task A_topic_template_broadcast_goes_through_the_delivery_engine_with_each_recipients_result()
    {
        app.Wechat.AddTemplate(ConsoleApp.OaAppId, "oa-tmpl-1");
        app.Wechat.AddFollower(ConsoleApp.OaAppId, "o-topic-1");
        app.Wechat.AddFollower(ConsoleApp.OaAppId, "o-topic-2");
        long topic;
        await using (var conn = await app.OpenAsync())
        {
            topic = await conn.ExecuteScalarAsync<long>("""
                INSERT INTO reminder_topics (app_id, name, activity_id) SELECT 'wxoatest000000001', '科普知识问答', id FROM activities WHERE code = '5.1.2' RETURNING id
                """);
            await conn.ExecuteAsync("""
                INSERT INTO followers (app_id, openid, subscribed) VALUES ('wxoatest000000001', 'o-topic-1', true), ('wxoatest000000001', 'o-topic-2', true),
                       ('wxoatest000000001', 'o-topic-gone', false), ('wxoatest000000001', 'o-topic-missing', true)
                ON CONFLICT DO NOTHING;
                INSERT INTO topic_subscriptions (topic_id, follower_id, subscribed_at)
                SELECT @topic, id, now() FROM followers WHERE openid LIKE 'o-topic-%';
                """, new { topic });
        }

        using var organiser = await app.StaffAsync("organiser");
        var id = await ComposeAsync(organiser, new
        {
            title = "第二轮问答提醒", kind = "template", page = "pages/index/index", audience = "topic", audienceRef = topic,
            template = new { templateId = "oa-tmpl-1", data = new Dictionary<string, string> { ["thing1"] = "健康知识问答", ["time2"] = "10月1日 09:00" } },
        });
        // A topic's subscribers are more than one session's parents: an organiser's broadcast waits for an admin.
        Assert.Equal("awaiting_confirmation", (await (await organiser.PostAsJsonAsync($"/api/console/broadcasts/{id}/schedule", new { })).JsonAsync()).GetProperty("status").GetString());
        await Job.RunAsync(id, CancellationToken.None);
        Assert.Equal(0, await app.ScalarAsync<long>($"SELECT count(*) FROM delivery_campaigns WHERE source = 'broadcast:{id}'"));
        using var admin = await app.StaffAsync("admin", unit: null);
        Assert.Equal("scheduled", (await (await admin.PostAsync($"/api/console/broadcasts/{id}/confirm", null)).JsonAsync()).GetProperty("status").GetString());
        await Job.RunAsync(id, CancellationToken.None);
        await Job.RunAsync(id, CancellationToken.None); // a retried job hands over nothing twice
        var campaign = await app.ScalarAsync<long>($"SELECT campaign_id FROM broadcasts WHERE id = {id}");
        Assert.Equal(1, await app.ScalarAsync<long>($"SELECT count(*) FROM delivery_campaigns WHERE source = 'broadcast:{id}'"));
        var sending = await (await organiser.GetAsync($"/api/console/broadcasts/{id}")).JsonAsync();
        Assert.Equal("sending", sending.GetProperty("broadcast").GetProperty("status").GetString());
        Assert.Equal(3, sending.GetProperty("delivery").GetProperty("pending").GetInt32());

        await app.Services.GetRequiredService<WechatKepu.Server.Features.Delivery.DeliveryDispatcher>().RunAsync(campaign);
        // The engine's completion path ends the broadcast: nobody has to read it first.
        Assert.Equal(BroadcastStatus.Completed, await app.ScalarAsync<string>($"SELECT status FROM broadcasts WHERE id = {id}"));
        var detail = await (await organiser.GetAsync($"/api/console/broadcasts/{id}")).JsonAsync();
        Assert.Equal("completed", detail.GetProperty("broadcast").GetProperty("status").GetString());
        var delivery = detail.GetProperty("delivery");
        Assert.Equal(3, delivery.GetProperty("total").GetInt32()); // the unsubscribed follower is not in the audience
        Assert.Equal(2, delivery.GetProperty("sent").GetInt32());
        Assert.Equal(1, delivery.GetProperty("failed").GetInt32()); // o-topic-missing does not follow at WeChat
        Assert.Equal("o-to…sing", delivery.GetProperty("failures")[0].GetProperty("openId").GetString()); // an organiser's view
        Assert.Equal(2, app.Wechat.CallsTo("/cgi-bin/message/template/send").Count(c => c.Errcode == 0 && c.OpenId!.StartsWith("o-topic-")));
    }

    [Fact]
    public async Task A_template_broadcast_whose_campaign_is_cancelled_before_anything_went_out_ends_failed_and_reading_it_changes_nothing()
    {
        app.Wechat.AddTemplate(ConsoleApp.OaAppId, "oa-tmpl-cancel");
        long topic;
        await using (var conn = await app.OpenAsync())
        {
            topic = await conn.ExecuteScalarAsync<long>("""
                INSERT INTO reminder_topics (app_id, name) VALUES ('wxoatest000000001', '取消测试主题') RETURNING id
                """);
            await conn.ExecuteAsync("""
                INSERT INTO followers (app_id, openid, subscribed) VALUES ('wxoatest000000001', 'o-cancel-1', true) ON CONFLICT DO NOTHING;
                INSERT INTO topic_subscriptions (topic_id, follower_id, subscribed_at) SELECT @topic, id, now() FROM followers WHERE openid = 'o-cancel-1';
                """, new { topic });
        }

        using var admin = await app.StaffAsync("admin", unit: null);
        var id = await ComposeAsync(admin, new
        {
            title = "取消的提醒", kind = "template", audience = "topic", audienceRef = topic,
            template = new { templateId = "oa-tmpl-cancel", data = new Dictionary<string, string> { ["thing1"] = "健康知识问答" } },
        });
        await admin.PostAsJsonAsync($"/api/console/broadcasts/{id}/schedule", new { });
        await Job.RunAsync(id, CancellationToken.None);
        var campaign = await app.ScalarAsync<long>($"SELECT campaign_id FROM broadcasts WHERE id = {id}");
        Assert.Equal(BroadcastStatus.Sending, await StatusAsync(admin, id));
        Assert.Equal(BroadcastStatus.Sending, await app.ScalarAsync<string>($"SELECT status FROM broadcasts WHERE id = {id}"));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/console/campaigns/{campaign}/cancel", null)).StatusCode);
        Assert.Equal(BroadcastStatus.Failed, await app.ScalarAsync<string>($"SELECT status FROM broadcasts WHERE id = {id}"));
        Assert.Equal(BroadcastStatus.NobodyReached, await app.ScalarAsync<string>($"SELECT error FROM broadcasts WHERE id = {id}"));
    }

    [Fact]
    public async Task A_session_broadcast_that_reaches_nobody_fails_and_names_each_unreachable_family_and_why()
    {
        using var organiser = await app.StaffAsync("organiser");
        var session = await Sessions.CreateAsync(app, capacity: 5, waitlist: 0);
        // Family A has a unionid but follows no account; B follows, but has not messaged it for 48 hours; C has no unionid at all.
        async Task<Parent> FamilyAsync(string guardian, string child)
        {
            var parent = await Parent.LoginAsync(app);
            await parent.SaveGuardianAsync(guardian);
            await parent.ConsentAsync();
            await parent.SignUpOkAsync(session, (await parent.AddChildAsync(child)).Id);
            return parent;
        }

        var a = await FamilyAsync("韦家长", "韦小明");
        var b = await FamilyAsync("覃家长", "覃小红");
        var c = await FamilyAsync("蓝家长", "蓝小华");

        const string followerB = "oK3Vd5nYpQ8rT2wXzA7bC9eF1gH4";
        await using (var conn = await app.OpenAsync())
        {
            await conn.ExecuteAsync("UPDATE mp_users SET unionid = 'ounion-' || openid WHERE openid IN (@a, @b)", new { a = a.OpenId, b = b.OpenId });
            await conn.ExecuteAsync("INSERT INTO followers (app_id, openid, unionid, subscribed, subscribed_at) VALUES (@app, @openid, @unionid, true, now())",
                new { app = ConsoleApp.OaAppId, openid = followerB, unionid = "ounion-" + b.OpenId });
        }

        app.Wechat.AddFollower(ConsoleApp.OaAppId, followerB, "ounion-" + b.OpenId);
        var id = await ComposeAsync(organiser, Text("session", session));

        // Before sending, the page already says who cannot be reached.
        var draft = await (await organiser.GetAsync($"/api/console/broadcasts/{id}")).JsonAsync();
        Assert.Equal(2, draft.GetProperty("unreachable").GetArrayLength());

        await organiser.PostAsJsonAsync($"/api/console/broadcasts/{id}/schedule", new { });
        await Job.RunAsync(id, CancellationToken.None);
        Assert.Equal(45015, app.Wechat.CallsTo("/cgi-bin/message/custom/send")[^1].Errcode);

        var detail = await (await organiser.GetAsync($"/api/console/broadcasts/{id}")).JsonAsync();
        var broadcast = detail.GetProperty("broadcast");
        Assert.Equal("failed", broadcast.GetProperty("status").GetString()); // was "completed" with nobody reached
        Assert.Equal(BroadcastReport.NobodyReached, broadcast.GetProperty("error").GetString());
        var unreachable = detail.GetProperty("unreachable").EnumerateArray()
            .ToDictionary(u => u.GetProperty("who").GetString()!, u => u.GetProperty("reason").GetString()!);
        Assert.Equal(3, unreachable.Count);
        Assert.Equal("没有关注公众号", unreachable["韦家长（韦小明）"]);
        Assert.Contains("48 小时", unreachable["覃家长（覃小红）"]);
        Assert.Contains("45015", unreachable["覃家长（覃小红）"]);
        Assert.Contains("unionid", unreachable["蓝家长（蓝小华）"]);

        var dashboard = await (await organiser.GetAsync("/api/console/dashboard")).JsonAsync();
        Assert.True(dashboard.GetProperty("broadcasts").GetProperty("failed").GetInt64() >= 1);
    }

    [Fact]
    public async Task Preview_goes_to_the_staff_members_own_openid_and_cancel_works_only_before_the_start()
    {
        app.Wechat.AddFollower(ConsoleApp.OaAppId, "o-staff-preview");
        using var admin = await app.StaffAsync("admin", unit: null);
        await admin.PostAsJsonAsync("/api/console/staff", new
        {
            username = "preview.me", displayName = "预览员", role = "organiser", unit = ConsoleApp.Unit, password = "preview-pass-1", openid = "o-staff-preview",
        });
        using var staff = app.Anonymous();
        await staff.UseAntiforgeryAsync();
        await (await staff.PostAsJsonAsync("/api/console/login", new { username = "preview.me", password = "preview-pass-1" })).JsonAsync();
        await staff.UseAntiforgeryAsync();

        var id = await ComposeAsync(staff, new { title = "图文", kind = "news", news = new { title = "科普日", description = "欢迎", url = "https://kepu.example/a" }, audience = "all" });
        await (await staff.PostAsync($"/api/console/broadcasts/{id}/preview", null)).JsonAsync();
        var preview = app.Wechat.CallsTo("/cgi-bin/message/mass/preview")[^1];
        Assert.Equal("o-staff-preview", preview.OpenId);
        Assert.Contains("https://kepu.example/a", preview.Body);
        // Another organiser may not preview, schedule or cancel it; an admin may, but the helper's has no openid.
        using var helper = await app.StaffAsync("organiser");
        await ProblemAssert.IsProblemAsync(await helper.PostAsync($"/api/console/broadcasts/{id}/preview", null), HttpStatusCode.Forbidden, "not_your_broadcast");
        await ProblemAssert.IsProblemAsync(await helper.PostAsJsonAsync($"/api/console/broadcasts/{id}/schedule", new { }), HttpStatusCode.Forbidden, "not_your_broadcast");
        await ProblemAssert.IsProblemAsync(await helper.PostAsync($"/api/console/broadcasts/{id}/cancel", null), HttpStatusCode.Forbidden, "not_your_broadcast");
        using var helperAdmin = await app.StaffAsync("admin", unit: null);
        await ProblemAssert.IsProblemAsync(await helperAdmin.PostAsync($"/api/console/broadcasts/{id}/preview", null), HttpStatusCode.Conflict, "no_openid");

        Assert.Equal("cancelled", (await (await staff.PostAsync($"/api/console/broadcasts/{id}/cancel", null)).JsonAsync()).GetProperty("status").GetString());
        await ProblemAssert.IsProblemAsync(await staff.PostAsJsonAsync($"/api/console/broadcasts/{id}/schedule", new { }), HttpStatusCode.Conflict, "not_draft");
        await Job.RunAsync(id, CancellationToken.None);
        Assert.Equal("cancelled", await StatusAsync(staff, id));
    }

    [Fact]
    public async Task Bad_broadcasts_are_validation_problems()
    {
        using var organiser = await app.StaffAsync("organiser");
        var before = await app.ScalarAsync<long>("SELECT count(*) FROM broadcasts");
        var json = await ProblemAssert.IsProblemAsync(await organiser.PostAsJsonAsync("/api/console/broadcasts", new
        {
            appId = "wx-unknown", title = "", kind = "video", audience = "everyone", page = "https://x",
        }), HttpStatusCode.BadRequest, "validation");
        foreach (var field in new[] { "appId", "title", "kind", "audience", "page" })
        {
            Assert.True(json.GetProperty("errors").TryGetProperty(field, out _), field);
        }

        await ProblemAssert.NamesParameterAsync(await organiser.PostAsJsonAsync("/api/console/broadcasts", new { title = "t", kind = "text", text = "", audience = "all" }), "text");
        // The mini-program page comes from the list the console offers: not a page app.json lacks, not one that needs an id.
        await ProblemAssert.NamesParameterAsync(await organiser.PostAsJsonAsync("/api/console/broadcasts", new { title = "t", kind = "text", text = "x", audience = "all", page = "pages/nowhere/nowhere" }), "page");
        await ProblemAssert.NamesParameterAsync(await organiser.PostAsJsonAsync("/api/console/broadcasts", new { title = "t", kind = "text", text = "x", audience = "all", page = "pages/activity/activity" }), "page");
        await ProblemAssert.NamesParameterAsync(await organiser.PostAsJsonAsync("/api/console/broadcasts", new { title = "t", kind = "text", text = "x", audience = "tag" }), "audienceRef");
        await ProblemAssert.NamesParameterAsync(await organiser.PostAsJsonAsync("/api/console/broadcasts", new { title = "t", kind = "text", text = "x", audience = "topic", audienceRef = 999999 }), "audienceRef");
        await ProblemAssert.NamesParameterAsync(await organiser.PostAsJsonAsync("/api/console/broadcasts", new { title = "t", kind = "news", news = new { title = "n", url = "javascript:alert(1)" }, audience = "all" }), "news.url");
        await ProblemAssert.NamesParameterAsync(await organiser.PostAsJsonAsync("/api/console/broadcasts", new { title = "t", kind = "template", template = new { templateId = "x" }, audience = "all" }), "template.data");
        await ProblemAssert.IsProblemAsync(await organiser.PostAsJsonAsync("/api/console/broadcasts/999999/schedule", new { }), HttpStatusCode.NotFound);
        var id = await ComposeAsync(organiser, Text("session", (await Sessions.CreateAsync(app, 3, 0))));
        await ProblemAssert.NamesParameterAsync(await organiser.PostAsJsonAsync($"/api/console/broadcasts/{id}/schedule", new { at = app.Clock.GetUtcNow().AddDays(-3) }), "at");
        Assert.Equal(before + 1, await app.ScalarAsync<long>("SELECT count(*) FROM broadcasts"));
    }
}
