using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using WechatKepu.Data;
using WechatKepu.Server.Tests.Delivery;
using WechatKepu.Server.Tests.Infrastructure;
using WechatKepu.Simulator;

namespace WechatKepu.Server.Tests.Reminders;

/// <summary>
/// What parents and followers actually read: every notice checked on the simulator's as-displayed record
/// (WeChat's rules since 2023-05-04), not on what we sent.
/// </summary>
public sealed class NoticeDisplayTests(NoticeApp app) : IClassFixture<NoticeApp>
{
    // 5.1.10 柳州科技馆节假日主题活动（中秋节、农民丰收节）: 23 characters, a real sign-up activity of the plan.
    private const string LongTitledCode = "5.1.10";
    private const string ShortName = "科技馆节假日主题活动";
    private const string Venue = "柳州科技馆一楼科普剧场（城中区三中路2号）";
    private const string Place = "柳州科技馆一楼科普剧场";

    private static string Shown(DateTimeOffset instant) =>
        Shanghai.ToShanghai(instant).ToString("yyyy年M月d日 HH:mm", CultureInfo.InvariantCulture);

    private async Task<long> CreateSessionAsync(HttpClient staff, DateTimeOffset start, int capacity, int waitlist)
    {
        var activity = await app.ScalarAsync<long>($"SELECT id FROM activities WHERE code = '{LongTitledCode}'");
        var response = await staff.PostAsJsonAsync($"/api/console/activities/{activity}/sessions", new
        {
            title = "中秋节科学灯会", venue = Venue, startsAt = start, endsAt = start.AddHours(2), capacity, waitlistCapacity = waitlist,
            signupClosesAt = start.AddHours(-12), cancelDeadline = start.AddHours(-24),
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    private static async Task<JsonElement> PutSessionAsync(HttpClient staff, long session, DateTimeOffset start, int capacity, int waitlist,
        DateTimeOffset closes, DateTimeOffset cancel)
    {
        var response = await staff.PutAsJsonAsync($"/api/console/sessions/{session}", new
        {
            title = "中秋节科学灯会", venue = Venue, startsAt = start, endsAt = start.AddHours(2), capacity, waitlistCapacity = waitlist,
            signupClosesAt = closes, cancelDeadline = cancel, status = "open",
        });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static void AssertShowsWhatWhenWhere(DisplayedMessage message, DateTimeOffset when)
    {
        Assert.Empty(message.Hidden);
        Assert.All(message.Displayed, f => Assert.False(f.Cut, $"{f.Key} was cut: {f.Value}"));
        Assert.Contains(ShortName, message.Text);
        Assert.Contains(Shown(when), message.Text);
        Assert.Contains(Place, message.Text);
    }

    [Fact]
    public async Task Every_parent_notice_for_a_long_titled_plan_activity_shows_its_short_name_date_time_and_place_uncut_on_both_channels()
    {
        app.Daytime();
        Assert.True((await app.ScalarAsync<string>($"SELECT title FROM activities WHERE code = '{LongTitledCode}'"))!.Length > 20);
        var staff = await app.StaffAsync("admin");
        var start = app.NextShanghai(10).AddDays(3);
        var session = await CreateSessionAsync(staff, start, capacity: 1, waitlist: 2);
        var (first, firstChild, _) = await app.ParentAsync();
        var (subscriber, subscriberChild, _) = await app.ParentAsync(
            KepuApp.ReminderTemplate, KepuApp.PromotedTemplate, KepuApp.LongTermTemplate, NoticeApp.ChangedTemplate);
        var (follower, followerChild, unionId) = await app.ParentAsync();
        var (_, fan) = await app.AddFollowerAsync(unionId);
        await first.SignUpOkAsync(session, firstChild);
        Assert.Equal("waitlisted", (await subscriber.SignUpOkAsync(session, subscriberChild)).Signups[0].Status);
        Assert.Equal("waitlisted", (await follower.SignUpOkAsync(session, followerChild)).Signups[0].Status);

        // 候补转正: two more places promote both.
        await PutSessionAsync(staff, session, start, 3, 2, start.AddHours(-12), start.AddHours(-24));
        await app.TickAsync();
        await app.TickAsync();

        // 活动提醒, 24 h before.
        app.SetShanghai(start.AddHours(-24));
        await app.TickAsync();
        await app.TickAsync();

        // 活动变更: a day later, in the afternoon.
        var moved = start.AddDays(1).AddHours(4).AddMinutes(30);
        staff = await app.StaffAsync("admin"); // the test clock moved past the sign-in's lifetime
        await PutSessionAsync(staff, session, moved, 3, 2, start.AddHours(-12), start.AddHours(-24));
        await app.TickAsync();
        await app.TickAsync();

        // 活动取消, with the reason the console asks for.
        var cancel = await staff.PostAsJsonAsync($"/api/console/sessions/{session}/cancel", new { reason = "场馆临时检修，活动取消" });
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        await app.TickAsync();
        await app.TickAsync();

        foreach (var (openId, kind) in new[] { (subscriber.OpenId, "subscribe"), (fan, "template") })
        {
            var received = app.Wechat.DisplayedTo(openId);
            Assert.Equal(4, received.Count);
            Assert.All(received, m => Assert.Equal(kind, m.Kind));
            var (promoted, reminder, changed, cancelled) = (received[0], received[1], received[2], received[3]);
            AssertShowsWhatWhenWhere(promoted, start);
            Assert.Contains("候补成功", promoted.Text);
            AssertShowsWhatWhenWhere(reminder, start);
            Assert.Contains("距开始约24小时", reminder.Text);
            AssertShowsWhatWhenWhere(changed, moved);
            Assert.Contains("原定" + Shanghai.ToShanghai(start).ToString("M月d日 HH:mm", CultureInfo.InvariantCulture), changed.Text);
            AssertShowsWhatWhenWhere(cancelled, moved);
            Assert.Contains("场馆临时检修，活动取消", cancelled.Text);
            if (kind == "subscribe")
            {
                Assert.All(received, m => Assert.Equal("pages/signups/signups", m.Link));
            }
        }

        Assert.Empty(app.Wechat.DisplayedTo(first.OpenId));
    }

    [Fact]
    public async Task A_session_created_two_hours_before_its_start_gets_no_late_24_hour_reminder_and_the_2_hour_one_says_the_real_time_left()
    {
        app.SetShanghai(app.NextShanghai(9));
        var start = app.Clock.GetUtcNow().AddHours(2).AddMinutes(11);
        var session = await Sessions.CreateAsync(app, 10, 0, startsIn: start - app.Clock.GetUtcNow(),
            closesBeforeStart: TimeSpan.FromMinutes(30), cancelBeforeStart: TimeSpan.FromMinutes(30));
        var (parent, child, _) = await app.ParentAsync(KepuApp.ReminderTemplate, KepuApp.ReminderTemplate);
        await parent.SignUpOkAsync(session, child);

        await app.TickAsync();
        await app.TickAsync();
        Assert.Empty(app.Wechat.DisplayedTo(parent.OpenId));
        Assert.Equal(0, await app.ScalarAsync<int>($"SELECT count(*) FROM delivery_campaigns WHERE session_id = {session}"));

        app.SetShanghai(start.AddHours(-2));
        await app.TickAsync();
        await app.TickAsync();

        var reminder = Assert.Single(app.Wechat.DisplayedTo(parent.OpenId));
        Assert.Contains("距开始约2小时，请准时参加", reminder.Text);
        Assert.DoesNotContain("24小时", reminder.Text);
        Assert.Contains(Shown(start), reminder.Text);
    }

    [Fact]
    public async Task No_message_the_product_sends_relies_on_first_or_remark_and_staff_cannot_send_one_that_does()
    {
        app.Daytime();
        var staff = await app.StaffAsync("organiser", "柳州市卫生健康委员会");
        var activity = await app.ScalarAsync<long>("SELECT id FROM activities WHERE code = '5.3.3'");
        var topicResponse = await staff.PostAsJsonAsync("/api/console/topics", new
        {
            appId = DeliveryApp.OaAppId, name = "健康素养问答", description = "全市居民健康素养线上知识问答：每期开始前提醒您参与答题",
            activityId = activity, templateId = DeliveryApp.TopicTemplate, offsetMinutes = 60, url = "https://health.example/quiz",
        });
        Assert.Equal(HttpStatusCode.Created, topicResponse.StatusCode);
        var topic = (await topicResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var round = app.NextShanghai(10).AddDays(1);
        (await staff.PostAsJsonAsync($"/api/console/topics/{topic}/rounds", new { title = "第一期", startsAt = round })).EnsureSuccessStatusCode();
        var (followerId, fan) = await app.AddFollowerAsync();
        await using (var conn = await app.OpenAsync())
        {
            await conn.ExecuteAsync("INSERT INTO topic_subscriptions (topic_id, follower_id, subscribed_at) VALUES (@topic, @followerId, now())",
                new { topic, followerId });
        }

        app.SetShanghai(round.AddHours(-1));
        await app.TickAsync();
        await app.TickAsync();

        var quiz = Assert.Single(app.Wechat.DisplayedTo(fan));
        Assert.Contains("健康素养问答·第一期", quiz.Text);
        Assert.Contains(Shown(round), quiz.Text);
        Assert.Contains("健康柳州微信公众号线上答题", quiz.Text);
        Assert.Contains("点击查看详情并参与", quiz.Text);

        // Everything this server sent in this class: no hidden first/remark, nothing cut.
        Assert.NotEmpty(app.Wechat.Displayed);
        Assert.All(app.Wechat.Displayed, m =>
        {
            Assert.DoesNotContain("first", m.Sent.Keys);
            Assert.DoesNotContain("remark", m.Sent.Keys);
            Assert.All(m.Displayed, f => Assert.False(f.Cut, $"{f.Key} was cut: {f.Value}"));
        });

        staff = await app.StaffAsync("organiser", "柳州市卫生健康委员会");
        var broadcast = await staff.PostAsJsonAsync("/api/console/broadcasts", new
        {
            appId = DeliveryApp.OaAppId, title = "答题提醒", kind = "template", audience = "topic", audienceRef = topic,
            template = new { templateId = DeliveryApp.TopicTemplate, data = new Dictionary<string, string> { ["first"] = "第二期答题开始啦", ["keyword1"] = "健康素养问答" } },
        });
        await ProblemAssert.NamesParameterAsync(broadcast, "template.data");
        var tooLong = await staff.PostAsJsonAsync("/api/console/broadcasts", new
        {
            appId = DeliveryApp.OaAppId, title = "答题提醒", kind = "template", audience = "topic", audienceRef = topic,
            template = new { templateId = DeliveryApp.TopicTemplate, data = new Dictionary<string, string> { ["keyword1"] = "全市居民健康素养线上知识问答活动第二期答题开始啦" } },
        });
        await ProblemAssert.NamesParameterAsync(tooLong, "template.data");
    }
}
