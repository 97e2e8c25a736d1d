using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Console;

/// <summary>Before sending, a broadcast's page says how many it reaches per channel and how many it cannot, and why, for every audience kind.</summary>
public sealed class ConsoleBroadcastForecastTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    private static string OpenId(string seed) => ("o" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(seed))))[..28];

    private async Task<long> ComposeAsync(HttpClient staff, object body) =>
        (await (await staff.PostAsJsonAsync("/api/console/broadcasts", body)).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();

    private static object Text(string audience, long? audienceRef = null) =>
        new { title = "科普日通知", kind = "text", text = "9月14日科普日主场活动欢迎参加", audience, audienceRef };

    private static object Template(string audience, long? audienceRef = null) =>
        new { title = "科普日提醒", kind = "template", template = new { templateId = "tplForecast0001", data = new Dictionary<string, string> { ["thing1"] = "科普日主场活动" } }, audience, audienceRef };

    private async Task<JsonElement> ForecastAsync(HttpClient staff, long id) =>
        (await (await staff.GetAsync($"/api/console/broadcasts/{id}")).JsonAsync()).GetProperty("forecast");

    private static Dictionary<string, int> Channels(JsonElement f) =>
        f.GetProperty("channels").EnumerateArray().ToDictionary(c => c.GetProperty("channel").GetString()!, c => c.GetProperty("count").GetInt32());

    private static Dictionary<string, int> Reasons(JsonElement f) =>
        f.GetProperty("unreachable").EnumerateArray().ToDictionary(c => c.GetProperty("code").GetString()!, c => c.GetProperty("count").GetInt32());

    private async Task AddFollowersAsync(string seed, int subscribed, int unsubscribed, int[] tags, string? unionidPrefix = null)
    {
        await using var conn = await app.OpenAsync();
        for (var i = 0; i < subscribed + unsubscribed; i++)
        {
            await conn.ExecuteAsync("INSERT INTO followers (app_id, openid, unionid, subscribed, subscribed_at, tag_ids) VALUES (@app, @openid, @unionid, @sub, now(), @tags)",
                new { app = ConsoleApp.OaAppId, openid = OpenId($"{seed}-{i}"), unionid = unionidPrefix is null ? null : $"{unionidPrefix}{i}", sub = i < subscribed, tags });
        }
    }

    [Fact]
    public async Task A_tag_broadcast_forecasts_its_subscribed_followers_by_mass_send_or_template_and_counts_the_unfollowed()
    {
        var tag = 700 + Random.Shared.Next(1000, 100000);
        await AddFollowersAsync($"tag-{tag}", subscribed: 3, unsubscribed: 2, tags: [2, tag]);
        await AddFollowersAsync($"other-{tag}", subscribed: 4, unsubscribed: 0, tags: [2]); // not in the tag
        using var admin = await app.StaffAsync("admin", unit: null);

        var text = await ForecastAsync(admin, await ComposeAsync(admin, Text("tag", tag)));
        Assert.Equal(new Dictionary<string, int> { ["mass_tag"] = 3 }, Channels(text));
        Assert.Equal(new Dictionary<string, int> { ["unsubscribed"] = 2 }, Reasons(text));
        Assert.Equal(3, text.GetProperty("reachable").GetInt32());
        Assert.Equal(2, text.GetProperty("unreachableCount").GetInt32());
        Assert.Contains("已取消关注公众号 2 人", text.GetProperty("summary").GetString());

        var template = await ForecastAsync(admin, await ComposeAsync(admin, Template("tag", tag)));
        Assert.Equal(new Dictionary<string, int> { ["oa_template"] = 3 }, Channels(template));
        Assert.Equal(new Dictionary<string, int> { ["unsubscribed"] = 2 }, Reasons(template));
    }

    [Fact]
    public async Task An_all_followers_broadcast_forecasts_every_subscribed_follower_of_the_account()
    {
        await AddFollowersAsync($"all-{Guid.NewGuid():N}", subscribed: 2, unsubscribed: 1, tags: []);
        using var admin = await app.StaffAsync("admin", unit: null);
        var id = await ComposeAsync(admin, Text("all"));
        var forecast = await ForecastAsync(admin, id);
        var subscribed = await app.ScalarAsync<long>($"SELECT count(*) FROM followers WHERE app_id = '{ConsoleApp.OaAppId}' AND subscribed");
        var unfollowed = await app.ScalarAsync<long>($"SELECT count(*) FROM followers WHERE app_id = '{ConsoleApp.OaAppId}' AND NOT subscribed");
        Assert.Equal(new Dictionary<string, int> { ["mass_all"] = (int)subscribed }, Channels(forecast));
        Assert.Equal((int)unfollowed, Reasons(forecast)["unsubscribed"]);
        Assert.Contains("按本系统记录的关注者估计", forecast.GetProperty("summary").GetString());

        // Once the broadcast has left the draft stage for good, there is nothing left to forecast.
        await (await admin.PostAsync($"/api/console/broadcasts/{id}/cancel", null)).JsonAsync();
        Assert.Equal(JsonValueKind.Null, (await (await admin.GetAsync($"/api/console/broadcasts/{id}")).JsonAsync()).GetProperty("forecast").ValueKind);
    }

    [Fact]
    public async Task A_topic_broadcast_forecasts_live_subscriptions_and_names_subscribers_who_unfollowed_the_account()
    {
        var seed = $"topic-{Guid.NewGuid():N}";
        await AddFollowersAsync(seed, subscribed: 3, unsubscribed: 1, tags: []);
        long topic;
        await using (var conn = await app.OpenAsync())
        {
            topic = await conn.ExecuteScalarAsync<long>("INSERT INTO reminder_topics (app_id, name) VALUES (@app, @name) RETURNING id", new { app = ConsoleApp.OaAppId, name = "预测主题" + seed[^8..] });
            // Followers 0 and 1 subscribed now, 2 left the topic, 3 (unfollowed the account) is still on it.
            await conn.ExecuteAsync("""
                INSERT INTO topic_subscriptions (topic_id, follower_id, subscribed_at, unsubscribed_at)
                SELECT @topic, id, now(), CASE WHEN openid = @left THEN now() END FROM followers WHERE openid = ANY (@openids)
                """, new { topic, left = OpenId($"{seed}-2"), openids = Enumerable.Range(0, 4).Select(i => OpenId($"{seed}-{i}")).ToArray() });
        }

        using var admin = await app.StaffAsync("admin", unit: null);
        var text = await ForecastAsync(admin, await ComposeAsync(admin, Text("topic", topic)));
        Assert.Equal(new Dictionary<string, int> { ["mass_openids"] = 2 }, Channels(text));
        Assert.Equal(new Dictionary<string, int> { ["unsubscribed"] = 1 }, Reasons(text));
        var template = await ForecastAsync(admin, await ComposeAsync(admin, Template("topic", topic)));
        Assert.Equal(new Dictionary<string, int> { ["oa_template"] = 2 }, Channels(template));
    }

    [Fact]
    public async Task A_session_broadcast_forecasts_families_by_unionid_follow_state_and_for_templates_leaves_out_the_waitlist()
    {
        using var organiser = await app.StaffAsync("organiser");
        var session = await Sessions.CreateAsync(app, capacity: 10, waitlist: 0);
        var parents = new List<Parent>();
        foreach (var (guardian, child) in new[] { ("黄家长", "黄小一"), ("梁家长", "梁小二"), ("莫家长", "莫小三"), ("廖家长", "廖小四"), ("潘家长", "潘小五") })
        {
            var parent = await Parent.LoginAsync(app);
            await parent.SaveGuardianAsync(guardian);
            await parent.ConsentAsync();
            await parent.SignUpOkAsync(session, (await parent.AddChildAsync(child)).Id);
            parents.Add(parent);
        }

        // 0: no unionid; 1: unionid, follows nothing; 2: follows; 3: unfollowed; 4: follows but is (now) waitlisted.
        await using (var conn = await app.OpenAsync())
        {
            foreach (var i in new[] { 1, 2, 3, 4 })
            {
                await conn.ExecuteAsync("UPDATE mp_users SET unionid = @unionid WHERE openid = @openid", new { unionid = "ou-fc-" + parents[i].OpenId, openid = parents[i].OpenId });
            }

            foreach (var i in new[] { 2, 3, 4 })
            {
                await conn.ExecuteAsync("INSERT INTO followers (app_id, openid, unionid, subscribed, subscribed_at) VALUES (@app, @openid, @unionid, @sub, now())",
                    new { app = ConsoleApp.OaAppId, openid = OpenId("fc-" + parents[i].OpenId), unionid = "ou-fc-" + parents[i].OpenId, sub = i != 3 });
            }

            await conn.ExecuteAsync("UPDATE signups SET status = 'waitlisted', waitlist_seq = 1 WHERE session_id = @session AND user_id = (SELECT id FROM mp_users WHERE openid = @openid)",
                new { session, openid = parents[4].OpenId });
        }

        var text = await ForecastAsync(organiser, await ComposeAsync(organiser, Text("session", session)));
        Assert.Equal(new Dictionary<string, int> { ["mass_openids"] = 2 }, Channels(text));
        Assert.Equal(new Dictionary<string, int> { ["no_unionid"] = 1, ["not_following"] = 1, ["unsubscribed"] = 1 }, Reasons(text));

        var template = await ForecastAsync(organiser, await ComposeAsync(organiser, Template("session", session)));
        Assert.Equal(new Dictionary<string, int> { ["oa_template"] = 1 }, Channels(template));
        Assert.Equal(new Dictionary<string, int> { ["no_unionid"] = 1, ["not_following"] = 1, ["unsubscribed"] = 1, ["waitlisted"] = 1 }, Reasons(template));
        Assert.Contains("候补", template.GetProperty("summary").GetString());
    }

    [Fact]
    public async Task One_reachable_parent_is_forecast_as_a_customer_service_message_and_an_unknown_broadcast_is_a_404()
    {
        using var organiser = await app.StaffAsync("organiser");
        var session = await Sessions.CreateAsync(app, capacity: 3, waitlist: 0);
        var parent = await Parent.LoginAsync(app);
        await parent.SaveGuardianAsync("韩家长");
        await parent.ConsentAsync();
        await parent.SignUpOkAsync(session, (await parent.AddChildAsync("韩小六")).Id);
        await using (var conn = await app.OpenAsync())
        {
            await conn.ExecuteAsync("UPDATE mp_users SET unionid = @unionid WHERE openid = @openid", new { unionid = "ou-one-" + parent.OpenId, openid = parent.OpenId });
            await conn.ExecuteAsync("INSERT INTO followers (app_id, openid, unionid, subscribed, subscribed_at) VALUES (@app, @openid, @unionid, true, now())",
                new { app = ConsoleApp.OaAppId, openid = OpenId("one-" + parent.OpenId), unionid = "ou-one-" + parent.OpenId });
        }

        var forecast = await ForecastAsync(organiser, await ComposeAsync(organiser, Text("session", session)));
        Assert.Equal(new Dictionary<string, int> { ["custom"] = 1 }, Channels(forecast));
        Assert.Contains("48 小时", forecast.GetProperty("channels")[0].GetProperty("name").GetString());
        Assert.Empty(Reasons(forecast));

        var missing = await ProblemAssert.IsProblemAsync(await organiser.GetAsync("/api/console/broadcasts/987654321"), HttpStatusCode.NotFound);
        Assert.Equal("没有找到该群发", missing.GetProperty("title").GetString());
    }
}
