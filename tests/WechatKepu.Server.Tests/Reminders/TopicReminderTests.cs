using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using WechatKepu.Server.Tests.Delivery;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Reminders;

public sealed class TopicReminderTests(DeliveryApp app) : IClassFixture<DeliveryApp>
{
    private const string Template = DeliveryApp.TemplatePath;
    private static int _names;

    private async Task<(HttpClient Staff, long TopicId)> TopicAsync(int offsetMinutes = 60)
    {
        var staff = await app.StaffAsync("admin");
        var response = await staff.PostAsJsonAsync("/api/console/topics", new
        {
            appId = DeliveryApp.OaAppId,
            name = $"测试主题{Interlocked.Increment(ref _names)}",
            description = "每期开始前提醒",
            templateId = DeliveryApp.TopicTemplate,
            offsetMinutes,
            url = "https://health.example/quiz",
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var topic = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (staff, topic.GetProperty("id").GetInt64());
    }

    private static async Task<long> AddRoundAsync(HttpClient staff, long topicId, DateTimeOffset startsAt, string title = "第一期")
    {
        var response = await staff.PostAsJsonAsync($"/api/console/topics/{topicId}/rounds", new { title, startsAt });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
    }

    private async Task SubscribeAsync(long topicId, long followerId, bool unsubscribed = false)
    {
        await using var conn = await app.OpenAsync();
        await conn.ExecuteAsync("""
            INSERT INTO topic_subscriptions (topic_id, follower_id, subscribed_at, unsubscribed_at)
            VALUES (@topicId, @followerId, now(), CASE WHEN @unsubscribed THEN now() END)
            ON CONFLICT (topic_id, follower_id) DO UPDATE SET unsubscribed_at = excluded.unsubscribed_at
            """, new { topicId, followerId, unsubscribed });
    }

    private int Received(string openId) => app.Wechat.CallsTo(Template).Count(c => c.OpenId == openId && c.Errcode == 0);

    [Fact]
    public async Task Each_round_reaches_whoever_is_subscribed_at_send_time_once()
    {
        app.Daytime();
        var (staff, topic) = await TopicAsync(offsetMinutes: 60);
        var start = app.NextShanghai(10).AddDays(1);
        await AddRoundAsync(staff, topic, start);
        var early = await app.AddFollowerAsync();
        var late = await app.AddFollowerAsync();
        var leftTopic = await app.AddFollowerAsync();
        var leftAccount = await app.AddFollowerAsync();
        await SubscribeAsync(topic, early.Id);
        await SubscribeAsync(topic, leftTopic.Id);
        await SubscribeAsync(topic, leftAccount.Id);

        app.SetShanghai(start.AddMinutes(-61));
        await app.TickAsync();
        await SubscribeAsync(topic, late.Id);
        await SubscribeAsync(topic, leftTopic.Id, unsubscribed: true);
        await using (var conn = await app.OpenAsync())
        {
            await conn.ExecuteAsync("UPDATE followers SET subscribed = false WHERE id = @id", new { id = leftAccount.Id });
        }

        Assert.Equal(0, Received(early.OpenId));
        app.SetShanghai(start.AddMinutes(-60));
        await app.TickAsync();
        await app.TickAsync();

        Assert.Equal(1, Received(early.OpenId));
        Assert.Equal(1, Received(late.OpenId));
        Assert.Equal(0, Received(leftTopic.OpenId));
        Assert.Equal(0, Received(leftAccount.OpenId));
        var body = JsonDocument.Parse(app.Wechat.CallsTo(Template).Single(c => c.OpenId == early.OpenId).Body!).RootElement;
        Assert.Equal(DeliveryApp.TopicTemplate, body.GetProperty("template_id").GetString());
        Assert.EndsWith("·第一期", body.GetProperty("data").GetProperty("keyword1").GetProperty("value").GetString());
        Assert.Equal("https://health.example/quiz", body.GetProperty("url").GetString());
    }

    [Fact]
    public async Task Moving_a_round_reminds_at_the_new_time_and_cancelling_it_reminds_nobody()
    {
        app.Daytime();
        var (staff, topic) = await TopicAsync(offsetMinutes: 30);
        var start = app.NextShanghai(11).AddDays(1);
        var moved = await AddRoundAsync(staff, topic, start, "第二期");
        var cancelled = await AddRoundAsync(staff, topic, start.AddHours(3), "第三期");
        var fan = await app.AddFollowerAsync();
        await SubscribeAsync(topic, fan.Id);

        var newStart = start.AddHours(2);
        var put = await staff.PutAsJsonAsync($"/api/console/topics/{topic}/rounds/{moved}", new { title = "第二期（改期）", startsAt = newStart });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await staff.DeleteAsync($"/api/console/topics/{topic}/rounds/{cancelled}")).StatusCode);

        app.SetShanghai(start.AddMinutes(-30));
        await app.TickAsync();
        Assert.Equal(0, Received(fan.OpenId));

        app.SetShanghai(newStart.AddMinutes(-30));
        await app.TickAsync();
        Assert.Equal(1, Received(fan.OpenId));

        app.SetShanghai(start.AddHours(3).AddMinutes(-30));
        await app.TickAsync();
        Assert.Equal(1, Received(fan.OpenId));
    }

    [Fact]
    public async Task A_round_due_in_quiet_hours_goes_out_at_seven_to_the_subscribers_of_that_moment()
    {
        app.Daytime();
        var (staff, topic) = await TopicAsync(offsetMinutes: 600);
        var start = app.NextShanghai(8).AddDays(1); // due 22:00 the evening before
        await AddRoundAsync(staff, topic, start);
        var fan = await app.AddFollowerAsync();
        await SubscribeAsync(topic, fan.Id);

        app.SetShanghai(start.AddMinutes(-600));
        await app.TickAsync();
        Assert.Equal(0, Received(fan.OpenId));
        var night = await app.AddFollowerAsync();
        await SubscribeAsync(topic, night.Id);

        app.SetShanghai(start.AddHours(-1)); // 07:00
        await app.TickAsync();
        Assert.Equal(1, Received(fan.OpenId));
        Assert.Equal(1, Received(night.OpenId));
    }

    [Fact]
    public async Task The_health_quiz_topic_is_seeded_for_the_official_account_without_rounds()
    {
        var viewer = await app.StaffAsync("viewer");
        var topics = JsonDocument.Parse(await viewer.GetStringAsync("/api/console/topics")).RootElement;
        var quiz = topics.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "健康知识问答");
        Assert.Equal(DeliveryApp.OaAppId, quiz.GetProperty("appId").GetString());
        Assert.Equal(JsonValueKind.Number, quiz.GetProperty("activityId").ValueKind);
        Assert.Equal(0, quiz.GetProperty("rounds").GetArrayLength());
    }

    [Fact]
    public async Task Topic_api_refuses_bad_input_with_problem_details()
    {
        app.Daytime();
        var (staff, topic) = await TopicAsync();
        object Topic(string? appId = DeliveryApp.OaAppId, string? name = "新主题", string? templateId = "t", int? offset = 60, string? url = null) =>
            new { appId, name, templateId, offsetMinutes = offset, url };

        await ProblemAssert.NamesParameterAsync(await staff.PostAsJsonAsync("/api/console/topics", Topic(name: "")), "name");
        await ProblemAssert.NamesParameterAsync(await staff.PostAsJsonAsync("/api/console/topics", Topic(name: new string('长', 31))), "name");
        await ProblemAssert.NamesParameterAsync(await staff.PostAsJsonAsync("/api/console/topics", Topic(appId: "wxnotconfigured")), "appId");
        await ProblemAssert.NamesParameterAsync(await staff.PostAsJsonAsync("/api/console/topics", Topic(templateId: null)), "templateId");
        await ProblemAssert.NamesParameterAsync(await staff.PostAsJsonAsync("/api/console/topics", Topic(offset: -1)), "offsetMinutes");
        await ProblemAssert.NamesParameterAsync(await staff.PostAsJsonAsync("/api/console/topics", Topic(offset: 50000)), "offsetMinutes");
        await ProblemAssert.NamesParameterAsync(await staff.PostAsJsonAsync("/api/console/topics", Topic(url: "javascript:alert(1)")), "url");
        await ProblemAssert.IsProblemAsync(await staff.PostAsync("/api/console/topics", new StringContent("{", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await staff.PostAsJsonAsync("/api/console/topics", Topic(name: "健康知识问答")), HttpStatusCode.Conflict, "topic_exists");
        await ProblemAssert.IsProblemAsync(await staff.PutAsJsonAsync("/api/console/topics/999999", Topic()), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await staff.GetAsync("/api/console/topics/999999"), HttpStatusCode.NotFound);

        await ProblemAssert.NamesParameterAsync(await staff.PostAsJsonAsync($"/api/console/topics/{topic}/rounds",
            new { title = "过去", startsAt = app.Clock.GetUtcNow().AddMinutes(-1) }), "startsAt");
        await ProblemAssert.NamesParameterAsync(await staff.PostAsJsonAsync($"/api/console/topics/{topic}/rounds", new { title = "无时间" }), "startsAt");
        await ProblemAssert.NamesParameterAsync(await staff.PostAsJsonAsync($"/api/console/topics/{topic}/rounds",
            new { title = "", startsAt = app.Clock.GetUtcNow().AddDays(1) }), "title");
        await ProblemAssert.IsProblemAsync(await staff.PostAsJsonAsync("/api/console/topics/999999/rounds",
            new { title = "x", startsAt = app.Clock.GetUtcNow().AddDays(1) }), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await staff.PutAsJsonAsync($"/api/console/topics/{topic}/rounds/999999",
            new { title = "x", startsAt = app.Clock.GetUtcNow().AddDays(1) }), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await staff.DeleteAsync($"/api/console/topics/{topic}/rounds/999999"), HttpStatusCode.NotFound);
        Assert.Equal(0, await app.ScalarAsync<int>($"SELECT count(*) FROM reminder_topic_rounds WHERE topic_id = {topic}"));

        await ProblemAssert.IsProblemAsync(await app.CreateClient().GetAsync("/api/console/topics"), HttpStatusCode.Unauthorized);
        var viewer = await app.StaffAsync("viewer");
        await ProblemAssert.IsProblemAsync(await viewer.PostAsJsonAsync("/api/console/topics", Topic(name: "只读")), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Staff_update_a_topic_and_disabling_it_stops_its_reminders()
    {
        app.Daytime();
        var (staff, topic) = await TopicAsync(offsetMinutes: 0);
        var start = app.NextShanghai(12).AddDays(1);
        await AddRoundAsync(staff, topic, start);
        var fan = await app.AddFollowerAsync();
        await SubscribeAsync(topic, fan.Id);

        var put = await staff.PutAsJsonAsync($"/api/console/topics/{topic}", new
        {
            appId = DeliveryApp.OaAppId, name = "已停用主题" + topic, templateId = DeliveryApp.TopicTemplate, offsetMinutes = 0, enabled = false,
        });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.False(JsonDocument.Parse(await put.Content.ReadAsStringAsync()).RootElement.GetProperty("enabled").GetBoolean());

        app.SetShanghai(start.AddSeconds(-1));
        await app.TickAsync();
        Assert.Equal(0, Received(fan.OpenId));
    }
}
