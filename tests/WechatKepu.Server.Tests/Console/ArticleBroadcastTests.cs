using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using WechatKepu.Server.Features.Broadcasts;
using WechatKepu.Server.Tests.Infrastructure;
using WechatKepu.Simulator.Platform;

namespace WechatKepu.Server.Tests.Console;

/// <summary>
/// 图文 and images end to end: uploads checked by their bytes and size, an article kept as a draft (draft/add),
/// previewed and mass-sent to a tag chosen by name, published and settled by PUBLISHJOBFINISH, the mass quota left.
/// </summary>
public sealed class ArticleBroadcastTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private BroadcastJob Job => app.Services.GetRequiredService<BroadcastJob>();

    private static async Task<HttpResponseMessage> UploadAsync(HttpClient staff, string purpose, byte[] bytes, string fileName = "poster.png")
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var form = new MultipartFormDataContent { { new StringContent(purpose), "purpose" }, { file, "file", fileName } };
        return await staff.PostAsync("/api/console/media", form);
    }

    private async Task ResetMassSendsAsync()
    {
        await using var conn = await app.OpenAsync();
        await conn.ExecuteAsync("UPDATE broadcasts SET started_at = started_at - interval '400 days' WHERE msg_id IS NOT NULL");
    }

    private static byte[] Jpeg(int length)
    {
        var bytes = new byte[length];
        (bytes[0], bytes[1], bytes[2]) = (0xFF, 0xD8, 0xFF);
        return bytes;
    }

    /// <summary>An admin with an openid of the account, signed in for real, so previews reach their own WeChat.</summary>
    private async Task<HttpClient> AdminWithOpenIdAsync(string username, string openid)
    {
        app.Wechat.AddFollower(ConsoleApp.OaAppId, openid);
        using var admin = await app.StaffAsync("admin", unit: null);
        await (await admin.PostAsJsonAsync("/api/console/staff", new
        {
            username, displayName = "宣传干事", role = "admin", password = "preview-pass-1", openid,
        })).JsonAsync(HttpStatusCode.Created);
        var staff = app.Anonymous();
        await staff.UseAntiforgeryAsync();
        await (await staff.PostAsJsonAsync("/api/console/login", new { username, password = "preview-pass-1" })).JsonAsync();
        await staff.UseAntiforgeryAsync();
        return staff;
    }

    private async Task<(long Cover, string BodyUrl, long Article)> ArticleAsync(HttpClient staff, string title)
    {
        var cover = await (await UploadAsync(staff, "cover", Png)).JsonAsync(HttpStatusCode.Created);
        Assert.True(cover.GetProperty("permanent").GetBoolean());
        var body = await (await UploadAsync(staff, "body", Jpeg(2048), "body.jpg")).JsonAsync(HttpStatusCode.Created);
        var bodyUrl = body.GetProperty("url").GetString()!;
        Assert.StartsWith("http://mmbiz.qpic.cn/", bodyUrl);
        var article = await (await staff.PostAsJsonAsync("/api/console/articles", new
        {
            title, author = "柳州市科协", digest = "9月14日 柳州科技馆", coverId = cover.GetProperty("id").GetInt64(),
            content = $"<p>全国科普日主场活动欢迎参加。</p><p><img src=\"{bodyUrl}\"></p>", contentSourceUrl = "https://www.lzkx.org.cn/",
        })).JsonAsync(HttpStatusCode.Created);
        return (cover.GetProperty("id").GetInt64(), bodyUrl, article.GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task An_article_with_an_uploaded_cover_goes_to_a_tag_chosen_by_name_after_a_preview_and_uses_one_of_the_months_mass_sends()
    {
        await ResetMassSendsAsync();
        using var staff = await AdminWithOpenIdAsync("xuanchuan", "oXuanChuan0000000000000000AB");
        var tagId = app.Wechat.AddTag(ConsoleApp.OaAppId, "科普志愿者");
        app.Wechat.AddFollower(ConsoleApp.OaAppId, "oVolunteer00000000000000001A", null, true, tagId);
        app.Wechat.AddFollower(ConsoleApp.OaAppId, "oVolunteer00000000000000002B", null, true, tagId);
        var (_, _, articleId) = await ArticleAsync(staff, "全国科普日柳州主场活动");
        var draftMediaId = await app.ScalarAsync<string>($"SELECT draft_media_id FROM articles WHERE id = {articleId}");
        Assert.True(app.Wechat.HasDraft(ConsoleApp.OaAppId, draftMediaId!));

        // The audience is chosen by the tag's name, as WeChat lists them.
        var tags = await (await staff.GetAsync("/api/console/broadcasts/tags")).JsonAsync();
        var tag = tags.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "科普志愿者");
        Assert.Equal(2, tag.GetProperty("count").GetInt32());
        var quotaBefore = await (await staff.GetAsync("/api/console/broadcasts/quota")).JsonAsync();

        var id = (await (await staff.PostAsJsonAsync("/api/console/broadcasts", new
        {
            title = "科普日图文", kind = "mpnews", articleId, audience = "tag", audienceRef = tag.GetProperty("id").GetInt64(),
        })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();

        await (await staff.PostAsync($"/api/console/broadcasts/{id}/preview", null)).JsonAsync();
        var preview = app.Wechat.CallsTo("/cgi-bin/message/mass/preview")[^1];
        Assert.Equal(("oXuanChuan0000000000000000AB", 0), (preview.OpenId, preview.Errcode));
        Assert.Contains($"\"mpnews\":{{\"media_id\":\"{draftMediaId}\"}}", preview.Body);

        await (await staff.PostAsJsonAsync($"/api/console/broadcasts/{id}/schedule", new { })).JsonAsync();
        await Job.RunAsync(id, CancellationToken.None);
        var sent = app.Wechat.CallsTo("/cgi-bin/message/mass/sendall")[^1];
        Assert.Equal(0, sent.Errcode);
        Assert.Contains($"\"tag_id\":{tagId}", sent.Body);
        Assert.Contains($"\"mpnews\":{{\"media_id\":\"{draftMediaId}\"}}", sent.Body);
        Assert.Equal("sent", await app.ScalarAsync<string>($"SELECT status FROM broadcasts WHERE id = {id}"));

        var quota = await (await staff.GetAsync("/api/console/broadcasts/quota")).JsonAsync();
        Assert.Equal(quotaBefore.GetProperty("used").GetInt32() + 1, quota.GetProperty("used").GetInt32());
        Assert.Equal(4 - quota.GetProperty("used").GetInt32(), quota.GetProperty("left").GetInt32());
        Assert.Contains("每月可群发 4 次", quota.GetProperty("summary").GetString());
    }

    [Fact]
    public async Task An_image_broadcast_sends_the_uploaded_image_by_its_media_id()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var image = await (await UploadAsync(admin, "cover", Png)).JsonAsync(HttpStatusCode.Created);
        var mediaId = await app.ScalarAsync<string>($"SELECT media_id FROM media_assets WHERE id = {image.GetProperty("id").GetInt64()}");
        await ResetMassSendsAsync();

        var id = (await (await admin.PostAsJsonAsync("/api/console/broadcasts", new
        {
            title = "科普日海报", kind = "image", imageId = image.GetProperty("id").GetInt64(), audience = "all",
        })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();
        await (await admin.PostAsJsonAsync($"/api/console/broadcasts/{id}/schedule", new { })).JsonAsync();
        await Job.RunAsync(id, CancellationToken.None);

        var sent = app.Wechat.CallsTo("/cgi-bin/message/mass/sendall")[^1];
        Assert.Equal(0, sent.Errcode);
        Assert.Contains($"\"images\":{{\"media_ids\":[\"{mediaId}\"]", sent.Body);
    }

    [Fact]
    public async Task Publishing_an_article_waits_for_publishjobfinish_which_records_the_url_or_the_reason()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var (_, _, articleId) = await ArticleAsync(admin, "科普讲座回顾");
        var (_, _, failingId) = await ArticleAsync(admin, "未通过审核的图文");

        var publishing = await (await admin.PostAsync($"/api/console/articles/{articleId}/publish", null)).JsonAsync();
        Assert.Equal("publishing", publishing.GetProperty("publishStatus").GetString());
        await ProblemAssert.IsProblemAsync(await admin.PostAsync($"/api/console/articles/{articleId}/publish", null), HttpStatusCode.Conflict, "already_published");
        await (await admin.PostAsync($"/api/console/articles/{failingId}/publish", null)).JsonAsync();
        var publishId = await app.ScalarAsync<string>($"SELECT publish_id FROM articles WHERE id = {articleId}");
        var failingPublishId = await app.ScalarAsync<string>($"SELECT publish_id FROM articles WHERE id = {failingId}");
        Assert.Matches("^[0-9]{19}$", publishId!);

        var platform = new WechatPlatform(app.CreateClient(), new PlatformAccount(ConsoleApp.OaAppId, ConsoleApp.OaToken, null), app.Clock, null, app.Wechat);
        var at = app.Clock.GetUtcNow().ToUnixTimeSeconds();
        Assert.Equal(HttpStatusCode.OK, (await platform.PostAsync(PlatformMessages.PublishJobFinish("gh_console", ReceiptDelivery.MassHelperOpenId, at,
            publishId!, 0, "b5O2OUs25HBxRceL7hfReg-U9QGeq9zQjiDvyWP4Hq4", ["https://mp.weixin.qq.com/s/b5O2OUs25HBxRceL7hfReg"], []), CallbackMode.Plaintext)).Status);
        Assert.Equal(HttpStatusCode.OK, (await platform.PostAsync(PlatformMessages.PublishJobFinish("gh_console", ReceiptDelivery.MassHelperOpenId, at + 1,
            failingPublishId!, 4, null, [], [1]), CallbackMode.Plaintext)).Status);

        var published = await (await admin.GetAsync($"/api/console/articles/{articleId}")).JsonAsync();
        Assert.Equal(("published", "https://mp.weixin.qq.com/s/b5O2OUs25HBxRceL7hfReg"),
            (published.GetProperty("publishStatus").GetString(), published.GetProperty("publishedUrl").GetString()));
        var failed = await (await admin.GetAsync($"/api/console/articles/{failingId}")).JsonAsync();
        Assert.Equal("failed", failed.GetProperty("publishStatus").GetString());
        Assert.Contains("审核未通过", failed.GetProperty("publishError").GetString());
    }

    [Fact]
    public async Task Bad_uploads_articles_and_broadcasts_are_problems_in_chinese_and_write_nothing()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var assets = await app.ScalarAsync<long>("SELECT count(*) FROM media_assets");

        // The type is read from the bytes: a GIF named .png is refused; a body image over 1 MB is too large.
        var gif = await UploadAsync(admin, "body", "GIF89a"u8.ToArray().Concat(new byte[32]).ToArray());
        await ProblemAssert.IsProblemAsync(gif, HttpStatusCode.BadRequest, "media_type");
        await ProblemAssert.IsProblemAsync(await UploadAsync(admin, "body", Jpeg(1024 * 1024 + 1), "big.jpg"), HttpStatusCode.RequestEntityTooLarge, "media_too_large");
        Assert.Equal(HttpStatusCode.BadRequest, (await UploadAsync(admin, "banner", Png)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/api/console/media", new { purpose = "body" })).StatusCode);
        using (var empty = new MultipartFormDataContent { { new StringContent("cover"), "purpose" } })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync("/api/console/media", empty)).StatusCode);
        }

        Assert.Equal(assets, await app.ScalarAsync<long>("SELECT count(*) FROM media_assets"));
        using var viewer = await app.StaffAsync("viewer");
        Assert.Equal(HttpStatusCode.Forbidden, (await UploadAsync(viewer, "cover", Png)).StatusCode);

        var cover = (await (await UploadAsync(admin, "cover", Png)).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var body = (await (await UploadAsync(admin, "body", Png)).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var articles = await app.ScalarAsync<long>("SELECT count(*) FROM articles");
        async Task<JsonElement> BadArticleAsync(object article, string field)
        {
            var problem = await (await admin.PostAsJsonAsync("/api/console/articles", article)).JsonAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), field);
            return messages;
        }

        Assert.Contains("32", (await BadArticleAsync(new { title = new string('科', 33), content = "<p>x</p>", coverId = cover }, "title"))[0].GetString());
        await BadArticleAsync(new { title = "科普", author = new string('作', 17), content = "<p>x</p>", coverId = cover }, "author");
        await BadArticleAsync(new { title = "科普", digest = new string('摘', 129), content = "<p>x</p>", coverId = cover }, "digest");
        await BadArticleAsync(new { title = "科普", content = "<p>x</p>" }, "coverId");
        await BadArticleAsync(new { title = "科普", content = "<p>x</p>", coverId = body }, "coverId"); // a body image is no cover
        await BadArticleAsync(new { title = "科普", content = "<script>alert(1)</script>", coverId = cover }, "content");
        var foreign = await BadArticleAsync(new { title = "科普", content = "<img src=\"https://example.com/a.png\">", coverId = cover }, "content");
        Assert.Contains("example.com", foreign[0].GetString());
        await BadArticleAsync(new { title = "科普", content = "<p>x</p>", coverId = cover, contentSourceUrl = "ftp://x" }, "contentSourceUrl");
        Assert.Equal(articles, await app.ScalarAsync<long>("SELECT count(*) FROM articles"));

        async Task BadBroadcastAsync(object broadcast, string field)
        {
            var problem = await (await admin.PostAsJsonAsync("/api/console/broadcasts", broadcast)).JsonAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), field);
        }

        await BadBroadcastAsync(new { title = "图文", kind = "mpnews", articleId = 999999, audience = "all" }, "articleId");
        await BadBroadcastAsync(new { title = "图片", kind = "image", imageId = body, audience = "all" }, "imageId");
        await BadBroadcastAsync(new { title = "图片", kind = "image", imageId = cover, audience = "session", audienceRef = 1 }, "audience");
        await ProblemAssert.IsProblemAsync(await admin.PostAsync("/api/console/articles/999999/publish", null), HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/console/broadcasts/quota?appId=wxnotours")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/console/broadcasts/tags?appId=wxnotours")).StatusCode);
    }

    [Fact]
    public async Task A_template_broadcast_with_a_library_template_is_checked_by_each_fields_kind()
    {
        const string templateId = "Bk9rT2xWq4NcYp7LmZs1Hd3Fg6Ja8Ue0Ri5Ov2Kt7Xb";
        app.Wechat.AddTemplate(ConsoleApp.OaAppId, new WechatKepu.Simulator.SimTemplate(templateId, "活动提醒",
            "活动名称：{{thing1.DATA}}\n活动时间：{{time2.DATA}}"));
        app.Wechat.AddTemplate(ConsoleApp.OaAppId, templateId);
        using var admin = await app.StaffAsync("admin", unit: null);
        await (await admin.PostAsJsonAsync("/api/console/templates/sync", new { appId = ConsoleApp.OaAppId })).JsonAsync();

        var bad = await (await admin.PostAsJsonAsync("/api/console/broadcasts", new
        {
            title = "活动提醒", kind = "template", audience = "all",
            template = new { templateId, data = new Dictionary<string, string> { ["thing1"] = "青少年科学荟", ["time2"] = "下周六上午" } },
        })).JsonAsync(HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("template.data.time2", out _));

        await (await admin.PostAsJsonAsync("/api/console/broadcasts", new
        {
            title = "活动提醒", kind = "template", audience = "all",
            template = new { templateId, data = new Dictionary<string, string> { ["thing1"] = "青少年科学荟", ["time2"] = "2024年9月14日 09:00" } },
        })).JsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_mass_send_past_the_months_quota_is_refused_before_it_reaches_wechat()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        await ResetMassSendsAsync();

        for (var i = 0; i < 4; i++)
        {
            var sent = (await (await admin.PostAsJsonAsync("/api/console/broadcasts", new { title = $"第{i + 1}次", kind = "text", text = "科普日", audience = "all" }))
                .JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();
            await (await admin.PostAsJsonAsync($"/api/console/broadcasts/{sent}/schedule", new { })).JsonAsync();
            await Job.RunAsync(sent, CancellationToken.None);
        }

        var quota = await (await admin.GetAsync("/api/console/broadcasts/quota")).JsonAsync();
        Assert.Equal(0, quota.GetProperty("left").GetInt32());
        var fifth = (await (await admin.PostAsJsonAsync("/api/console/broadcasts", new { title = "第5次", kind = "text", text = "科普日", audience = "all" }))
            .JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var refused = await (await admin.PostAsJsonAsync($"/api/console/broadcasts/{fifth}/schedule", new { })).JsonAsync(HttpStatusCode.Conflict);
        Assert.Equal("monthly_cap", refused.GetProperty("code").GetString());
        Assert.Contains("还剩 0 次", refused.GetProperty("detail").GetString());
    }
}
