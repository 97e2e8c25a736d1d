using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using WechatKepu.Data.Followers;
using WechatKepu.Server.Tests.Console;
using WechatKepu.Server.Tests.Delivery;
using WechatKepu.Server.Tests.Infrastructure;
using WechatKepu.Simulator;

namespace WechatKepu.Server.Tests.Templates;

/// <summary>
/// A reminder topic takes its template from the library and says what goes into each field; a topic without a
/// usable template (gone from WeChat, fields not chosen) is not offered to followers and sends nothing.
/// </summary>
public sealed class TopicTemplateTests(DeliveryApp app) : IClassFixture<DeliveryApp>
{
    private const string Content = "答题活动:{{thing1.DATA}}\n开始时间:{{time2.DATA}}\n参与方式:{{thing3.DATA}}\n状态:{{phrase4.DATA}}\n";
    private static int _names;

    private static readonly Dictionary<string, string> Fields = new()
    {
        ["thing1"] = "activity", ["time2"] = "time", ["thing3"] = "text:线上答题", ["phrase4"] = "note",
    };

    private async Task<(HttpClient Admin, string TemplateId)> LibraryAsync()
    {
        var templateId = TemplateTestData.NewId();
        app.Wechat.AddTemplate(DeliveryApp.OaAppId, new SimTemplate(templateId, "答题开始提醒", Content));
        var admin = await app.StaffAsync("admin");
        await (await admin.PostAsJsonAsync("/api/console/templates/sync", new { appId = DeliveryApp.OaAppId })).JsonAsync();
        return (admin, templateId);
    }

    private static Task<HttpResponseMessage> CreateAsync(HttpClient admin, string templateId, Dictionary<string, string>? fields, string? name = null) =>
        admin.PostAsJsonAsync("/api/console/topics", new
        {
            appId = DeliveryApp.OaAppId, name = name ?? $"知识问答{Interlocked.Increment(ref _names)}", description = "每期开始前提醒",
            templateId, offsetMinutes = 60, templateFields = fields,
        });

    private async Task<IReadOnlyList<string>> OfferedAsync()
    {
        await using var conn = await app.OpenAsync();
        return await FollowerStore.TopicsAsync(conn, null, DeliveryApp.OaAppId, CancellationToken.None);
    }

    private async Task SubscribeAsync(long topicId, long followerId)
    {
        await using var conn = await app.OpenAsync();
        await conn.ExecuteAsync("INSERT INTO topic_subscriptions (topic_id, follower_id, subscribed_at) VALUES (@topicId, @followerId, now())",
            new { topicId, followerId });
    }

    [Fact]
    public async Task A_topic_with_a_library_template_is_offered_and_its_round_fills_each_field_as_chosen()
    {
        app.Daytime();
        var (admin, templateId) = await LibraryAsync();
        var topic = await (await CreateAsync(admin, templateId, Fields)).JsonAsync(HttpStatusCode.Created);
        var topicId = topic.GetProperty("id").GetInt64();
        Assert.True(topic.GetProperty("canSend").GetBoolean(), topic.ToString());
        Assert.Equal("答题开始提醒", topic.GetProperty("templateTitle").GetString());
        Assert.Equal("text:线上答题", topic.GetProperty("templateFields").GetProperty("thing3").GetString());
        Assert.Contains(topic.GetProperty("name").GetString(), await OfferedAsync());

        var start = app.NextShanghai(10).AddDays(1);
        await (await admin.PostAsJsonAsync($"/api/console/topics/{topicId}/rounds", new { title = "第一期", startsAt = start })).JsonAsync(HttpStatusCode.Created);
        var fan = await app.AddFollowerAsync();
        await SubscribeAsync(topicId, fan.Id);
        app.SetShanghai(start.AddMinutes(-60));
        await app.TickAsync();
        await app.TickAsync();

        var sent = app.Wechat.CallsTo(DeliveryApp.TemplatePath).Single(c => c.OpenId == fan.OpenId && c.Errcode == 0);
        var body = JsonDocument.Parse(sent.Body!).RootElement;
        Assert.Equal(templateId, body.GetProperty("template_id").GetString());
        var data = body.GetProperty("data");
        Assert.EndsWith("·第一期", data.GetProperty("thing1").GetProperty("value").GetString());
        Assert.Equal(WechatKepu.Server.Features.Reminders.NoticeText.Time(start), data.GetProperty("time2").GetProperty("value").GetString());
        Assert.Equal("线上答题", data.GetProperty("thing3").GetProperty("value").GetString());
        Assert.Equal("即将开始", data.GetProperty("phrase4").GetProperty("value").GetString());
    }

    [Fact]
    public async Task A_template_deleted_in_wechat_stops_the_topic_being_offered_or_sent_and_the_console_says_why()
    {
        app.Daytime();
        var (admin, templateId) = await LibraryAsync();
        var topic = await (await CreateAsync(admin, templateId, Fields)).JsonAsync(HttpStatusCode.Created);
        var topicId = topic.GetProperty("id").GetInt64();
        var start = app.NextShanghai(15).AddDays(2);
        await (await admin.PostAsJsonAsync($"/api/console/topics/{topicId}/rounds", new { title = "第二期", startsAt = start })).JsonAsync(HttpStatusCode.Created);
        var fan = await app.AddFollowerAsync();
        await SubscribeAsync(topicId, fan.Id);

        app.Wechat.RemoveTemplate(DeliveryApp.OaAppId, templateId);
        await (await admin.PostAsJsonAsync("/api/console/templates/sync", new { appId = DeliveryApp.OaAppId })).JsonAsync();
        var after = await (await admin.GetAsync($"/api/console/topics/{topicId}")).JsonAsync();
        // Saving it again with the gone template is refused.
        await ProblemAssert.NamesParameterAsync(await admin.PutAsJsonAsync($"/api/console/topics/{topicId}", new
        {
            appId = DeliveryApp.OaAppId, name = topic.GetProperty("name").GetString(), templateId, templateFields = Fields,
        }), "templateId");
        app.SetShanghai(start.AddMinutes(-60));
        await app.TickAsync();

        Assert.False(after.GetProperty("canSend").GetBoolean());
        Assert.Contains("已从公众号后台删除", after.GetProperty("blockers")[0].GetString());
        Assert.DoesNotContain(topic.GetProperty("name").GetString(), await OfferedAsync());
        Assert.DoesNotContain(app.Wechat.CallsTo(DeliveryApp.TemplatePath), c => c.OpenId == fan.OpenId);
    }

    [Fact]
    public async Task A_topic_whose_fields_are_not_chosen_cannot_send_and_says_so()
    {
        var (admin, templateId) = await LibraryAsync();

        var topic = await (await CreateAsync(admin, templateId, null)).JsonAsync(HttpStatusCode.Created);

        Assert.False(topic.GetProperty("canSend").GetBoolean());
        Assert.Contains("尚未为模板“答题开始提醒”的各字段选择内容", topic.GetProperty("blockers")[0].GetString());
        Assert.DoesNotContain(topic.GetProperty("name").GetString(), await OfferedAsync());
    }

    public static TheoryData<string, Dictionary<string, string>, string> BadFields() => new()
    {
        { "time into a thing", new() { ["thing1"] = "time", ["time2"] = "activity", ["thing3"] = "place", ["phrase4"] = "note" }, "templateFields.thing1" },
        { "a field left empty", new() { ["thing1"] = "activity", ["time2"] = "time", ["phrase4"] = "note" }, "templateFields.thing3" },
        { "a fixed text too long", new() { ["thing1"] = "activity", ["time2"] = "time", ["thing3"] = "text:" + new string('答', 21), ["phrase4"] = "note" }, "templateFields.thing3" },
        { "a fixed phrase not Chinese", new() { ["thing1"] = "activity", ["time2"] = "time", ["thing3"] = "place", ["phrase4"] = "text:OK" }, "templateFields.phrase4" },
        { "an unknown content", new() { ["thing1"] = "activity", ["time2"] = "time", ["thing3"] = "weather", ["phrase4"] = "note" }, "templateFields.thing3" },
        { "a key the template lacks", new() { ["thing1"] = "activity", ["time2"] = "time", ["thing3"] = "place", ["phrase4"] = "note", ["thing9"] = "note" }, "templateFields.thing9" },
        { "no time at all", new() { ["thing1"] = "activity", ["time2"] = "text:10:00", ["thing3"] = "place", ["phrase4"] = "note" }, "templateFields" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public async Task Fields_that_do_not_fit_the_template_are_refused_in_chinese(string why, Dictionary<string, string> fields, string named)
    {
        var (admin, templateId) = await LibraryAsync();

        var response = await CreateAsync(admin, templateId, fields);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty(named, out var messages), $"{why}: {problem}");
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", messages[0].GetString()!);
    }

    [Fact]
    public async Task A_template_id_not_in_the_library_is_refused_once_the_library_is_synced()
    {
        var (admin, _) = await LibraryAsync();

        await ProblemAssert.NamesParameterAsync(await CreateAsync(admin, "typed-by-hand-template-id", Fields), "templateId");
    }

    [Fact]
    public async Task A_notice_whose_configured_template_is_in_the_library_offers_its_fields_by_name_and_refuses_others()
    {
        app.Wechat.AddTemplate(DeliveryApp.OaAppId, new SimTemplate(DeliveryApp.OaReminderTemplate, "活动开始提醒",
            "活动名称:{{thing1.DATA}}\n开始时间:{{time2.DATA}}\n活动地点:{{thing3.DATA}}\n温馨提示:{{thing4.DATA}}\n"));
        var (admin, _) = await LibraryAsync();

        var notices = await (await admin.GetAsync("/api/console/notice-templates")).JsonAsync();
        var reminder = notices.EnumerateArray().Single(n => n.GetProperty("purpose").GetString() == "session_reminder" && n.GetProperty("channel").GetString() == "oa_template");
        Assert.Equal("活动开始提醒", reminder.GetProperty("templateTitle").GetString());
        Assert.Equal(["thing1:活动名称", "time2:开始时间", "thing3:活动地点", "thing4:温馨提示"],
            reminder.GetProperty("templateFields").EnumerateArray().Select(f => $"{f.GetProperty("key")}:{f.GetProperty("label")}"));

        var refused = await admin.PutAsJsonAsync("/api/console/notice-templates/session_reminder/oa_template",
            new { activity = "keyword1", time = "time2", place = "thing3", note = "thing4" });
        var problem = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.BadRequest, "validation");
        Assert.Contains("没有 keyword1 字段", problem.GetProperty("errors").GetProperty("activity")[0].GetString());

        var saved = await (await admin.PutAsJsonAsync("/api/console/notice-templates/session_reminder/oa_template",
            new { activity = "thing1", time = "time2", place = "thing3", note = "thing4" })).JsonAsync();
        Assert.Equal("thing1", saved.GetProperty("fields").GetProperty("activity").GetString());
        Assert.Equal("活动开始提醒", saved.GetProperty("templateTitle").GetString());
    }

    [Fact]
    public async Task The_editor_previews_a_round_as_the_follower_will_see_it_and_refuses_fields_that_do_not_fit()
    {
        var (admin, templateId) = await LibraryAsync();
        using var viewer = await app.StaffAsync("viewer");

        var preview = await (await viewer.PostAsJsonAsync("/api/console/topics/preview", new
        {
            appId = DeliveryApp.OaAppId, name = "健康知识问答", description = "每期开始前提醒", templateId, templateFields = Fields,
        })).JsonAsync();

        Assert.Equal("答题开始提醒", preview.GetProperty("title").GetString());
        var lines = preview.GetProperty("lines").EnumerateArray().ToDictionary(l => l.GetProperty("label").GetString()!, l => l.GetProperty("value").GetString());
        Assert.Equal("健康知识问答·第一期", lines["答题活动"]);
        Assert.EndsWith("20:00", lines["开始时间"]);
        Assert.Equal("线上答题", lines["参与方式"]);
        Assert.Equal("即将开始", lines["状态"]);

        await ProblemAssert.NamesParameterAsync(await viewer.PostAsJsonAsync("/api/console/topics/preview", new
        {
            appId = DeliveryApp.OaAppId, name = "健康知识问答", templateId, templateFields = new Dictionary<string, string>(Fields) { ["thing1"] = "time", ["time2"] = "activity" },
        }), "templateFields.thing1");
        await ProblemAssert.NamesParameterAsync(await viewer.PostAsJsonAsync("/api/console/topics/preview", new
        {
            appId = DeliveryApp.OaAppId, name = "健康知识问答", templateId = "not-in-the-library", templateFields = Fields,
        }), "templateId");
    }
}
