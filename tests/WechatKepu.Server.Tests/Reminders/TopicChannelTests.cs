using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WechatKepu.Server.Tests.Callback;
using WechatKepu.Server.Tests.Infrastructure;
using WechatKepu.Simulator.Platform;

namespace WechatKepu.Server.Tests.Reminders;

/// <summary>
/// A topic without a template can never send: followers are not offered it and cannot subscribe to it
/// (no promise of reminders that never come), and staff see why.
/// </summary>
public sealed class TopicChannelTests(CallbackApp app) : IClassFixture<CallbackApp>
{
    private const string Seeded = "健康知识问答";

    private static string NewOpenId() => "o" + Guid.NewGuid().ToString("N")[..27];

    private async Task<JsonElement> SeededTopicAsync(HttpClient staff) =>
        (await staff.GetFromJsonAsync<JsonElement>("/api/console/topics")).EnumerateArray().Single(t => t.GetProperty("name").GetString() == Seeded);

    [Fact]
    public async Task The_seeded_topic_without_a_template_is_not_offered_cannot_be_subscribed_and_tells_staff_why_until_it_gets_one()
    {
        using var staff = await app.StaffClientAsync("organiser", unit: "柳州市卫生健康委员会");
        var topic = await SeededTopicAsync(staff);
        Assert.False(topic.GetProperty("canSend").GetBoolean());
        Assert.Contains(topic.GetProperty("blockers").EnumerateArray(), b => b.GetString()!.Contains("未选择模板", StringComparison.Ordinal));

        using var platform = app.Platform();
        var o = NewOpenId();
        var refused = (await platform.PostAsync(platform.Text(o, $"订阅 {Seeded}"), CallbackMode.Safe)).Content!;
        Assert.StartsWith($"「{Seeded}」的提醒暂未开通", refused);
        Assert.DoesNotContain("每轮开始前会提醒您", refused);
        Assert.DoesNotContain($"「{Seeded}」", (await platform.PostAsync(platform.Text(o, "订阅"), CallbackMode.Safe)).Content!);
        Assert.Equal(0, await app.ScalarAsync<long>($"""
            SELECT count(*) FROM topic_subscriptions s JOIN followers f ON f.id = s.follower_id WHERE f.openid = '{o}'
            """));

        var update = await staff.PutAsJsonAsync($"/api/console/topics/{topic.GetProperty("id").GetInt64()}", new
        {
            appId = CallbackApp.AppId, name = Seeded, description = topic.GetProperty("description").GetString(),
            activityId = topic.GetProperty("activityId").GetInt64(), templateId = "oa-tmpl-quiz", offsetMinutes = 1440,
        });
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        var ready = await SeededTopicAsync(staff);
        Assert.True(ready.GetProperty("canSend").GetBoolean());
        Assert.Empty(ready.GetProperty("blockers").EnumerateArray());
        Assert.Contains(ready.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("轮次", StringComparison.Ordinal));

        Assert.Contains($"「{Seeded}」", (await platform.PostAsync(platform.Text(o, "订阅"), CallbackMode.Safe)).Content!);
        Assert.StartsWith($"已订阅「{Seeded}」", (await platform.PostAsync(platform.Text(o, $"订阅 {Seeded}"), CallbackMode.Safe)).Content);
    }
}
