using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using Dapper;
using WechatKepu.Server.Tests.Console;
using WechatKepu.Server.Tests.Infrastructure;
using WechatKepu.Simulator.Platform;

namespace WechatKepu.Server.Tests.Callback;

/// <summary>Keyword rules that answer with an uploaded image or a news card of one article.</summary>
public sealed class RichReplyTests(CallbackApp app) : IClassFixture<CallbackApp>
{
    private const string Rules = $"/api/console/replies/{CallbackApp.AppId}/rules";

    /// <summary>An uploaded cover image of <paramref name="appId"/> with its permanent media_id (as POST /api/console/media stores it).</summary>
    private async Task<(long Id, string MediaId)> ImageAsync(string appId, string purpose = "cover")
    {
        var mediaId = purpose == "cover" ? "Kx9" + Guid.NewGuid().ToString("N") + "q7TbWm3vLp0Rz" : null;
        await using var conn = await app.OpenAsync();
        var id = await conn.ExecuteScalarAsync<long>("""
            INSERT INTO media_assets (app_id, purpose, media_id, url, file_name, content_type, size_bytes, created_by_name, created_at)
            VALUES (@appId, @purpose, @mediaId, 'http://mmbiz.qpic.cn/mmbiz_jpg/poster/0', 'poster.jpg', 'image/jpeg', 20480, '测试', now()) RETURNING id
            """, new { appId, purpose, mediaId });
        return (id, mediaId ?? "");
    }

    [Fact]
    public async Task A_follower_sending_the_keyword_gets_the_rules_image_or_news_card()
    {
        using var staff = await app.StaffClientAsync("admin");
        using var platform = app.Platform();
        var (imageId, mediaId) = await ImageAsync(CallbackApp.AppId);
        var created = await (await staff.PostAsJsonAsync(Rules, new { keyword = "海报", matchKind = "exact", replyKind = "image", imageId })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal("image", created.GetProperty("replyKind").GetString());
        Assert.Equal(imageId, created.GetProperty("imageId").GetInt64());

        var image = await platform.PostAsync(platform.Text("oRichReply0000000000000000001", "海报"), CallbackMode.Safe);
        Assert.Equal("image", image.MsgType);
        Assert.Equal(mediaId, XElement.Parse(image.Xml!).Element("Image")!.Element("MediaId")!.Value);

        var news = new { title = "科普日主场活动", description = "9月14日柳州科技馆", url = "https://kepu.example/day", picUrl = "https://kepu.example/day.jpg" };
        var rule = await (await staff.PostAsJsonAsync(Rules, new { keyword = "科普日介绍", matchKind = "contains", replyKind = "news", news })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal("科普日主场活动", rule.GetProperty("news").GetProperty("title").GetString());
        var card = await platform.PostAsync(platform.Text("oRichReply0000000000000000001", "我想看科普日介绍"), CallbackMode.Compatible);
        Assert.Equal("news", card.MsgType);
        var xml = XElement.Parse(card.Xml!);
        Assert.Equal("1", xml.Element("ArticleCount")!.Value);
        var item = Assert.Single(xml.Element("Articles")!.Elements("item"));
        Assert.Equal(news.title, item.Element("Title")!.Value);
        Assert.Equal(news.description, item.Element("Description")!.Value);
        Assert.Equal(news.url, item.Element("Url")!.Value);
        Assert.Equal(news.picUrl, item.Element("PicUrl")!.Value);

        // Edited back to text, the same keyword answers with text.
        var id = rule.GetProperty("id").GetInt64();
        await (await staff.PutAsJsonAsync($"{Rules}/{id}", new { keyword = "科普日介绍", matchKind = "contains", replyText = "详见小程序" })).JsonAsync();
        Assert.Equal("详见小程序", (await platform.PostAsync(platform.Text("oRichReply0000000000000000001", "科普日介绍"), CallbackMode.Safe)).Content);
        Assert.Equal(JsonValueKind.Null, (await staff.GetFromJsonAsync<JsonElement>(Rules)).EnumerateArray().First(r => r.GetProperty("id").GetInt64() == id).GetProperty("news").ValueKind);
    }

    [Fact]
    public async Task Bad_image_and_news_rules_are_400_in_chinese_and_write_nothing()
    {
        using var staff = await app.StaffClientAsync("admin");
        var (bodyImage, _) = await ImageAsync(CallbackApp.AppId, purpose: "body"); // an article-body image has no media_id
        var (otherAccount, _) = await ImageAsync("wxoa0000000000other");
        var news = new { title = "标题", url = "https://kepu.example/a" };
        var before = await app.ScalarAsync<long>("SELECT count(*) FROM reply_rules");
        var bad = new (object Body, string Field)[]
        {
            (new { keyword = "k1", matchKind = "exact", replyKind = "image", imageId = 987654321L }, "imageId"),
            (new { keyword = "k1", matchKind = "exact", replyKind = "image", imageId = bodyImage }, "imageId"),
            (new { keyword = "k1", matchKind = "exact", replyKind = "image", imageId = otherAccount }, "imageId"),
            (new { keyword = "k1", matchKind = "exact", replyKind = "image" }, "imageId"),
            (new { keyword = "k1", matchKind = "exact", replyKind = "news", news = new { title = "标题", url = "javascript:alert(1)" } }, "news.url"),
            (new { keyword = "k1", matchKind = "exact", replyKind = "news", news = new { title = "标题", url = "https://kepu.example/a", picUrl = "ftp://x/y.jpg" } }, "news.picUrl"),
            (new { keyword = "k1", matchKind = "exact", replyKind = "news", news = new { title = new string('长', 65), url = "https://kepu.example/a" } }, "news.title"),
            (new { keyword = "k1", matchKind = "exact", replyKind = "news" }, "news.title"),
            (new { keyword = "k1", matchKind = "exact", replyKind = "news", news, replyText = "也有文字" }, "replyText"),
            (new { keyword = "k1", matchKind = "exact", replyText = "文字", news }, "news"),
            (new { keyword = "k1", matchKind = "exact", replyText = "文字", imageId = bodyImage }, "imageId"),
            (new { keyword = "k1", matchKind = "exact", replyKind = "video", replyText = "x" }, "replyKind"),
        };
        foreach (var (body, field) in bad)
        {
            var problem = await ProblemAssert.IsProblemAsync(await staff.PostAsJsonAsync(Rules, body), HttpStatusCode.BadRequest, "validation");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"{field}: {problem}");
            Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", messages[0].GetString());
        }

        Assert.Equal(before, await app.ScalarAsync<long>("SELECT count(*) FROM reply_rules"));
    }
}
