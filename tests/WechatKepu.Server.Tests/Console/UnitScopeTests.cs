using System.Net;
using System.Net.Http.Json;
using WechatKepu.Data.Delivery;
using WechatKepu.Server.Tests.Delivery;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Console;

/// <summary>
/// Organisers act within their unit: reminder topics, delivery campaigns and broadcasts belong to an
/// activity (through their session or topic) or to the whole account, like sessions do; topic, campaign
/// and broadcast writes are audited.
/// </summary>
public sealed class UnitScopeTests(DeliveryApp app) : IClassFixture<DeliveryApp>
{
    private const string Unit = ConsoleApp.Unit;           // a unit of activity 5.1.2
    private const string OtherUnit = ConsoleApp.OtherUnit;
    private static int _names;

    private Task<long> ActivityAsync() => app.ScalarAsync<long>("SELECT id FROM activities WHERE code = '5.1.2'");

    private static object Topic(long? activityId) => new
    {
        appId = DeliveryApp.OaAppId, name = $"单位主题{Interlocked.Increment(ref _names)}", templateId = DeliveryApp.TopicTemplate, activityId,
    };

    private static async Task<long> IdAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetInt64();
    }

    [Fact]
    public async Task An_organiser_changes_only_their_units_topics_and_each_change_is_audited()
    {
        var activity = await ActivityAsync();
        using var mine = await app.StaffAsync("organiser", Unit);
        using var other = await app.StaffAsync("organiser", OtherUnit);
        var before = await app.ScalarAsync<long>("SELECT count(*) FROM reminder_topics");

        await ProblemAssert.IsProblemAsync(await mine.PostAsJsonAsync("/api/console/topics", Topic(null)), HttpStatusCode.Forbidden, "account_wide");
        await ProblemAssert.IsProblemAsync(await other.PostAsJsonAsync("/api/console/topics", Topic(activity)), HttpStatusCode.Forbidden, "not_your_unit");
        Assert.Equal(before, await app.ScalarAsync<long>("SELECT count(*) FROM reminder_topics"));

        var topic = await IdAsync(await mine.PostAsJsonAsync("/api/console/topics", Topic(activity)));
        var startsAt = app.Clock.GetUtcNow().AddDays(5);
        var round = await IdAsync(await mine.PostAsJsonAsync($"/api/console/topics/{topic}/rounds", new { title = "第一期", startsAt }));

        await ProblemAssert.IsProblemAsync(await other.PutAsJsonAsync($"/api/console/topics/{topic}", Topic(activity)), HttpStatusCode.Forbidden, "not_your_unit");
        await ProblemAssert.IsProblemAsync(await other.PostAsJsonAsync($"/api/console/topics/{topic}/rounds", new { title = "第二期", startsAt }), HttpStatusCode.Forbidden, "not_your_unit");
        await ProblemAssert.IsProblemAsync(await other.PutAsJsonAsync($"/api/console/topics/{topic}/rounds/{round}", new { title = "改期", startsAt }), HttpStatusCode.Forbidden, "not_your_unit");
        await ProblemAssert.IsProblemAsync(await other.DeleteAsync($"/api/console/topics/{topic}/rounds/{round}"), HttpStatusCode.Forbidden, "not_your_unit");
        // Nor may the organiser turn their topic into an account-wide one.
        await ProblemAssert.IsProblemAsync(await mine.PutAsJsonAsync($"/api/console/topics/{topic}", Topic(null)), HttpStatusCode.Forbidden, "account_wide");
        Assert.Equal(1L, await app.ScalarAsync<long>($"SELECT count(*) FROM reminder_topic_rounds WHERE topic_id = {topic} AND status = 'scheduled'"));

        Assert.Equal(HttpStatusCode.NoContent, (await mine.DeleteAsync($"/api/console/topics/{topic}/rounds/{round}")).StatusCode);
        Assert.Equal(1L, await app.ScalarAsync<long>($"SELECT count(*) FROM staff_audit_log WHERE action = 'topic.create' AND target = 'topic:{topic}'"));
        Assert.Equal(1L, await app.ScalarAsync<long>($"SELECT count(*) FROM staff_audit_log WHERE action = 'topic.add_round' AND target = 'topic:{topic}'"));
        Assert.Equal(1L, await app.ScalarAsync<long>($"SELECT count(*) FROM staff_audit_log WHERE action = 'topic.cancel_round' AND target = 'topic:{topic}' AND detail -> 'route' ->> 'roundId' = '{round}'"));
        // Refused attempts change nothing and are not recorded as changes.
        Assert.Equal(3L, await app.ScalarAsync<long>($"SELECT count(*) FROM staff_audit_log WHERE target = 'topic:{topic}'"));

        using var admin = await app.StaffAsync("admin");
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/console/topics", Topic(null))).StatusCode);
    }

    [Fact]
    public async Task An_organiser_cannot_stop_another_units_campaign()
    {
        var session = await Sessions.CreateAsync(app, 5, 0);
        long campaign;
        await using (var conn = await app.OpenAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            campaign = (await app.Engine.CreateCampaignAsync(conn, tx,
                new CampaignSpec(CampaignKinds.SessionReminder, $"scope:{session}", "活动提醒", app.Clock.GetUtcNow().AddDays(1),
                    new CampaignContent(MpTemplateId: KepuApp.ReminderTemplate, MpData: new Dictionary<string, string> { ["thing1"] = "科学实验秀" }),
                    SessionId: session),
                new DeliveryAudience.SessionParents(session), app.Clock.GetUtcNow(), CancellationToken.None))!.CampaignId;
            await tx.CommitAsync();
        }

        using var other = await app.StaffAsync("organiser", OtherUnit);
        await ProblemAssert.IsProblemAsync(await other.PostAsync($"/api/console/campaigns/{campaign}/cancel", null), HttpStatusCode.Forbidden, "not_your_unit");
        await ProblemAssert.IsProblemAsync(await other.PostAsync("/api/console/campaigns/999999/cancel", null), HttpStatusCode.NotFound);
        Assert.Equal("active", await app.ScalarAsync<string>($"SELECT status FROM delivery_campaigns WHERE id = {campaign}"));

        using var mine = await app.StaffAsync("organiser", Unit);
        Assert.Equal(HttpStatusCode.NoContent, (await mine.PostAsync($"/api/console/campaigns/{campaign}/cancel", null)).StatusCode);
        Assert.Equal(1L, await app.ScalarAsync<long>($"SELECT count(*) FROM staff_audit_log WHERE action = 'campaign.cancel' AND target = 'campaign:{campaign}'"));
    }

    [Fact]
    public async Task An_organiser_sends_to_one_session_of_their_unit_and_anything_wider_waits_for_an_admin()
    {
        var session = await Sessions.CreateAsync(app, 5, 0);
        using var mine = await app.StaffAsync("organiser", Unit);
        using var other = await app.StaffAsync("organiser", OtherUnit);
        var text = new { title = "场次通知", kind = "text", text = "请提前十分钟入场", audience = "session", audienceRef = session };
        await ProblemAssert.IsProblemAsync(await other.PostAsJsonAsync("/api/console/broadcasts", text), HttpStatusCode.Forbidden, "not_your_unit");
        var toSession = await IdAsync(await mine.PostAsJsonAsync("/api/console/broadcasts", text));
        await ProblemAssert.IsProblemAsync(await other.PostAsJsonAsync($"/api/console/broadcasts/{toSession}/schedule", new { }), HttpStatusCode.Forbidden, "not_your_unit");
        await ProblemAssert.IsProblemAsync(await other.PostAsync($"/api/console/broadcasts/{toSession}/cancel", null), HttpStatusCode.Forbidden, "not_your_unit");
        await ProblemAssert.IsProblemAsync(await other.PostAsync($"/api/console/broadcasts/{toSession}/preview", null), HttpStatusCode.Forbidden, "not_your_unit");
        Assert.Equal("draft", await app.ScalarAsync<string>($"SELECT status FROM broadcasts WHERE id = {toSession}"));
        var scheduled = await (await mine.PostAsJsonAsync($"/api/console/broadcasts/{toSession}/schedule", new { at = app.Clock.GetUtcNow().AddDays(1) })).JsonAsync();
        Assert.Equal("scheduled", scheduled.GetProperty("status").GetString());

        // A topic's subscribers, even of the organiser's own topic, are more than one session's parents.
        var topic = await IdAsync(await mine.PostAsJsonAsync("/api/console/topics", Topic(await ActivityAsync())));
        var toTopic = await IdAsync(await mine.PostAsJsonAsync("/api/console/broadcasts",
            new { title = "主题通知", kind = "text", text = "第二期问答开始了", audience = "topic", audienceRef = topic }));
        var waiting = await (await mine.PostAsJsonAsync($"/api/console/broadcasts/{toTopic}/schedule", new { })).JsonAsync();
        Assert.Equal("awaiting_confirmation", waiting.GetProperty("status").GetString());

        // A topic of the whole account is an admin's to broadcast to.
        var accountTopic = await app.ScalarAsync<long>(
            $"INSERT INTO reminder_topics (app_id, name) VALUES ('{DeliveryApp.OaAppId}', '全号主题{Interlocked.Increment(ref _names)}') RETURNING id");
        await ProblemAssert.IsProblemAsync(await mine.PostAsJsonAsync("/api/console/broadcasts",
            new { title = "主题通知", kind = "text", text = "x", audience = "topic", audienceRef = accountTopic }), HttpStatusCode.Forbidden, "account_wide");
        Assert.Equal(1L, await app.ScalarAsync<long>($"SELECT count(*) FROM staff_audit_log WHERE action = 'broadcast.schedule' AND target = 'broadcast:{toSession}'"));
    }
}
