using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using WechatKepu.Server.Tests.Infrastructure;
using WechatKepu.Simulator.Platform;

namespace WechatKepu.Server.Tests.Console;

/// <summary>Poster QR codes and mini-program codes: made through WeChat, scanned, counted, answered with the activity card.</summary>
public sealed class PostersApiTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    private const string Posters = "/api/console/posters";

    private static string NewOpenId() => "o" + Guid.NewGuid().ToString("N")[..27];

    private WechatPlatform Platform() =>
        new(app.CreateClient(), new PlatformAccount(ConsoleApp.OaAppId, ConsoleApp.OaToken), app.Clock, null, app.Wechat);

    private async Task<long> SessionAsync(HttpClient staff, long activityId)
    {
        var created = await (await staff.PostAsJsonAsync($"/api/console/activities/{activityId}/sessions",
            ConsoleHttp.Session(app.Clock.GetUtcNow().AddDays(10), capacity: 20, title: "海报场次"))).JsonAsync(HttpStatusCode.Created);
        return created.GetProperty("id").GetInt64();
    }

    private async Task<string> TopicAsync(long activityId, string templateId = "tmpl-poster-topic-reminder")
    {
        var name = "海报提醒" + Guid.NewGuid().ToString("N")[..6];
        await using var conn = await app.OpenAsync();
        await conn.ExecuteAsync("INSERT INTO reminder_topics (app_id, name, activity_id, template_id) VALUES (@app, @name, @activityId, @templateId)",
            new { app = ConsoleApp.OaAppId, name, activityId, templateId });
        return name;
    }

    private async Task<JsonElement> PosterAsync(HttpClient staff, long id) =>
        (await (await staff.GetAsync(Posters)).JsonAsync()).EnumerateArray().Single(p => p.GetProperty("id").GetInt64() == id);

    [Fact]
    public async Task An_organisers_poster_code_subscribes_scanners_to_the_activitys_reminders_and_counts_scans_and_new_followers()
    {
        using var organiser = await app.StaffAsync("organiser");
        var activityId = await app.ActivityIdAsync();
        var topic = await TopicAsync(activityId);

        var created = await (await organiser.PostAsJsonAsync(Posters, new { activityId, kind = "permanent" })).JsonAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetInt64();
        var scene = created.GetProperty("scene").GetString()!;
        Assert.Equal($"act:{activityId}:{id}", scene);
        var call = app.Wechat.CallsTo("/cgi-bin/qrcode/create")[^1];
        Assert.Contains("\"action_name\":\"QR_LIMIT_STR_SCENE\"", call.Body);
        Assert.Contains($"\"scene_str\":\"{scene}\"", call.Body);

        // A new follower scans the poster: subscribe with qrscene_; WeChat retries the same event once.
        using var platform = Platform();
        var newcomer = NewOpenId();
        var follow = PlatformMessages.Subscribe("gh_console", newcomer, platform.Now, scene);
        var reply = await platform.PostAsync(follow, CallbackMode.Plaintext);
        var again = await platform.PostAsync(follow, CallbackMode.Plaintext);
        Assert.Contains("科普", reply.Content);
        Assert.Contains($"已为您订阅「{topic}」", reply.Content);
        Assert.Contains($"data-miniprogram-path=\"pages/activity/activity?id={activityId}\"", reply.Content);
        Assert.True(Encoding.UTF8.GetByteCount(reply.Content!) <= 2048);
        Assert.Equal(reply.Content, again.Content);
        // Someone already following scans it too: SCAN with the bare scene.
        var follower = NewOpenId();
        var scan = await platform.PostAsync(PlatformMessages.Scan("gh_console", follower, platform.Now, scene), CallbackMode.Plaintext);
        Assert.Contains($"已为您订阅「{topic}」", scan.Content);

        var poster = await PosterAsync(organiser, id);
        Assert.Equal((2, 1), (poster.GetProperty("scans").GetInt32(), poster.GetProperty("newFollowers").GetInt32()));
        var subscribers = await app.ScalarAsync<long>($"""
            SELECT count(*) FROM topic_subscriptions s JOIN reminder_topics t ON t.id = s.topic_id JOIN followers f ON f.id = s.follower_id
            WHERE t.name = '{topic}' AND f.openid IN ('{newcomer}', '{follower}') AND s.unsubscribed_at IS NULL
            """);
        Assert.Equal(2, subscribers);
    }

    [Fact]
    public async Task Without_a_topic_the_scan_is_recorded_and_answered_with_the_session_card()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var activityId = await app.ActivityIdAsync("5.1.1");
        var sessionId = await SessionAsync(admin, activityId);
        var created = await (await admin.PostAsJsonAsync(Posters, new { activityId, sessionId, kind = "temporary", days = 7 })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal(app.Clock.GetUtcNow().AddDays(7), created.GetProperty("expiresAt").GetDateTimeOffset());
        Assert.Contains("\"expire_seconds\":604800", app.Wechat.CallsTo("/cgi-bin/qrcode/create")[^1].Body);

        using var platform = Platform();
        var reply = await platform.PostAsync(PlatformMessages.Scan("gh_console", NewOpenId(), platform.Now, created.GetProperty("scene").GetString()!), CallbackMode.Plaintext);

        Assert.Contains("海报场次", reply.Content);
        Assert.Contains("剩余名额：20", reply.Content);
        Assert.Contains($"data-miniprogram-path=\"pages/signup/signup?sessionId={sessionId}\"", reply.Content);
        Assert.DoesNotContain("已为您订阅", reply.Content);
        Assert.Equal(1, (await PosterAsync(admin, created.GetProperty("id").GetInt64())).GetProperty("scans").GetInt32());
    }

    [Fact]
    public async Task A_topic_without_a_template_takes_no_subscriber_and_the_scan_is_still_counted()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var activityId = await app.ActivityIdAsync("5.1.3");
        var topic = await TopicAsync(activityId, templateId: "");
        var created = await (await admin.PostAsJsonAsync(Posters, new { activityId, kind = "permanent" })).JsonAsync(HttpStatusCode.Created);

        using var platform = Platform();
        var reply = await platform.PostAsync(PlatformMessages.Scan("gh_console", NewOpenId(), platform.Now, created.GetProperty("scene").GetString()!), CallbackMode.Plaintext);

        Assert.DoesNotContain(topic, reply.Content);
        Assert.Equal(1, (await PosterAsync(admin, created.GetProperty("id").GetInt64())).GetProperty("scans").GetInt32());
        Assert.Equal(0, await app.ScalarAsync<long>($"SELECT count(*) FROM topic_subscriptions s JOIN reminder_topics t ON t.id = s.topic_id WHERE t.name = '{topic}'"));
    }

    [Fact]
    public async Task A_follow_by_a_qr_code_that_is_not_ours_gets_the_welcome()
    {
        using var platform = Platform();
        var reply = await platform.PostAsync(PlatformMessages.Subscribe("gh_console", NewOpenId(), platform.Now, "act:999:999"), CallbackMode.Plaintext);
        Assert.Contains("感谢关注", reply.Content);
    }

    [Fact]
    public async Task The_print_png_is_a_large_qr_of_the_codes_url()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var created = await (await admin.PostAsJsonAsync(Posters, new { activityId = await app.ActivityIdAsync(), kind = "permanent" })).JsonAsync(HttpStatusCode.Created);

        var png = await admin.GetAsync(created.GetProperty("imageUrl").GetString());

        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith(".png", png.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var bytes = await png.Content.ReadAsByteArrayAsync();
        Assert.Equal(0x89, bytes[0]);
        Assert.True(BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)) >= 800, "print size");
    }

    [Fact]
    public async Task A_sessions_mini_program_code_opens_its_sign_up_page_with_the_session_in_the_scene()
    {
        using var organiser = await app.StaffAsync("organiser");
        var activityId = await app.ActivityIdAsync();
        var sessionId = await SessionAsync(organiser, activityId);

        var created = await (await organiser.PostAsJsonAsync(Posters, new { activityId, sessionId, kind = "miniprogram" })).JsonAsync(HttpStatusCode.Created);

        var call = JsonDocument.Parse(app.Wechat.CallsTo("/wxa/getwxacodeunlimit")[^1].Body!).RootElement;
        Assert.Equal("pages/signup/signup", call.GetProperty("page").GetString());
        var scene = call.GetProperty("scene").GetString()!;
        Assert.StartsWith($"sessionId={sessionId}&", scene);
        Assert.True(scene.Length <= 32);
        Assert.Equal("小程序码", created.GetProperty("kindLabel").GetString());
        var png = await organiser.GetByteArrayAsync(created.GetProperty("imageUrl").GetString());
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
    }

    public static TheoryData<string, string> BadRequests() => new()
    {
        { """{"kind":"permanent"}""", "activityId" },
        { """{"activityId":ACT,"kind":"forever"}""", "kind" },
        { """{"activityId":ACT,"kind":"temporary"}""", "days" },
        { """{"activityId":ACT,"kind":"temporary","days":31}""", "days" },
        { """{"activityId":ACT,"kind":"miniprogram"}""", "sessionId" },
        { """{"activityId":ACT,"kind":"permanent","appId":"wxnosuchaccount00"}""", "appId" },
        { """{"activityId":ACT,"sessionId":999999999,"kind":"permanent"}""", "sessionId" },
        { "null", "activityId" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_poster_requests_are_400_naming_the_field_and_nothing_is_made(string body, string field)
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var before = app.Wechat.CountCalls("/cgi-bin/qrcode/create");

        var response = await admin.PostAsync(Posters, new StringContent(body.Replace("ACT", (await app.ActivityIdAsync()).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Encoding.UTF8, "application/json"));

        await ProblemAssert.NamesParameterAsync(response, field);
        Assert.Equal(before, app.Wechat.CountCalls("/cgi-bin/qrcode/create"));
    }

    [Fact]
    public async Task Organisers_make_codes_only_for_their_units_activities_and_viewers_none()
    {
        using var other = await app.StaffAsync("organiser", ConsoleApp.OtherUnit);
        using var viewer = await app.StaffAsync("viewer", unit: null);
        var activityId = await app.ActivityIdAsync();

        await ProblemAssert.IsProblemAsync(await other.PostAsJsonAsync(Posters, new { activityId, kind = "permanent" }), HttpStatusCode.Forbidden, "not_your_unit");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync(Posters, new { activityId, kind = "permanent" })).StatusCode);
        await ProblemAssert.IsProblemAsync(await viewer.GetAsync($"{Posters}/987654321/poster.png"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_code_wechat_refuses_is_a_502_and_no_row()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var before = await app.ScalarAsync<long>("SELECT count(*) FROM poster_codes");
        app.Wechat.Faults.FailNext(1, 45009, "/cgi-bin/qrcode/create");

        await ProblemAssert.IsProblemAsync(await admin.PostAsJsonAsync(Posters, new { activityId = await app.ActivityIdAsync(), kind = "permanent" }),
            HttpStatusCode.BadGateway, "wechat_refused");

        Assert.Equal(before, await app.ScalarAsync<long>("SELECT count(*) FROM poster_codes"));
    }
}
