using System.Text;
using Flurl.Http;
using Flurl.Http.Testing;
using WechatKepu.Wechat.Api;
using WechatKepu.Wechat.Api.Models.Draft;
using WechatKepu.Wechat.Api.Models.Mass;
using WechatKepu.Wechat.Api.Models.Material;
using WechatKepu.Wechat.Tokens;

namespace WechatKepu.Wechat.Tests.Api;

/// <summary>
/// tags/get, media/uploadimg, material/add_material, draft/add, freepublish/submit and image mass sends against
/// answers written from WeChat's documentation (tests/Corpus/api), through Flurl's HttpTest.
/// </summary>
public sealed class MaterialAndMassClientTests
{
    private const string Base = "https://api.weixin.qq.com";

    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private static (HttpTest Http, WechatApiClient Client) NewClient()
    {
        var http = new HttpTest();
        http.ForCallsTo("*/cgi-bin/stable_token").RespondWith("""{"access_token":"ACCESS_TOKEN_FROM_DOCS","expires_in":7200}""");
        var client = new WechatApiClient(new FlurlClient(Base), new WechatAccount("wx1234567890abcdef", "secret"), new InMemoryAccessTokenStore());
        return (http, client);
    }

    private static string Corpus(string file) => WechatKepu.Testing.Corpus.Read("api/" + file);

    private static async Task<string> BodyAsync(FlurlCall call) =>
        call.HttpRequestMessage.Content is { } c ? Encoding.UTF8.GetString(await c.ReadAsByteArrayAsync()) : "";

    [Fact]
    public async Task Tags_get_reads_each_tags_id_name_and_follower_count()
    {
        var (http, client) = NewClient();
        using var _ = http;
        http.ForCallsTo("*/cgi-bin/tags/get").RespondWith(Corpus("tags_get.ok.json"));

        var tags = await client.GetTagsAsync();

        Assert.Equal([(2, "星标组", 0), (127, "家长", 5), (128, "柳北区科普志愿者", 12)], tags.Tags.Select(t => (t.Id, t.Name, t.Count ?? -1)));
    }

    [Fact]
    public async Task Uploadimg_sends_the_image_as_multipart_media_and_reads_the_url_without_errcode()
    {
        var (http, client) = NewClient();
        using var _ = http;
        http.ForCallsTo("*/cgi-bin/media/uploadimg").RespondWith(Corpus("media_uploadimg.ok.json"));

        var uploaded = await client.UploadArticleImageAsync(new MediaUpload("body.png", "image/png", Png));

        Assert.StartsWith("http://mmbiz.qpic.cn/", uploaded.Url);
        var call = Assert.Single(http.CallLog, c => c.Request.Url.Path == "/cgi-bin/media/uploadimg");
        Assert.Equal("ACCESS_TOKEN_FROM_DOCS", call.Request.Url.QueryParams.FirstOrDefault("access_token"));
        Assert.Equal("multipart/form-data", call.HttpRequestMessage.Content!.Headers.ContentType!.MediaType);
        var body = await BodyAsync(call);
        Assert.Contains("name=media", body);
        Assert.Contains("filename=body.png", body);
        Assert.Contains("Content-Type: image/png", body);
    }

    [Theory]
    [InlineData("media_uploadimg.40005.json", 40005)]
    [InlineData("media_uploadimg.40009.json", 40009)]
    public async Task Uploadimg_refused_for_type_or_size_throws_a_permanent_error(string file, int errcode)
    {
        var (http, client) = NewClient();
        using var _ = http;
        http.ForCallsTo("*/cgi-bin/media/uploadimg").RespondWith(Corpus(file));

        var e = await Assert.ThrowsAsync<WechatApiException>(() => client.UploadArticleImageAsync(new MediaUpload("a.gif", "image/gif", Png)));

        Assert.Equal((errcode, WechatErrorKind.PermanentRequest), (e.Errcode, e.Kind));
    }

    [Fact]
    public async Task Add_material_sends_type_image_and_reads_media_id_and_url()
    {
        var (http, client) = NewClient();
        using var _ = http;
        http.ForCallsTo("*/cgi-bin/material/add_material").RespondWith(Corpus("material_add_material.ok.json"));

        var cover = await client.AddImageMaterialAsync(new MediaUpload("cover.png", "image/png", Png));

        Assert.Equal(64, cover.MediaId.Length);
        Assert.StartsWith("http://mmbiz.qpic.cn/", cover.Url);
        var call = Assert.Single(http.CallLog, c => c.Request.Url.Path == "/cgi-bin/material/add_material");
        Assert.Equal("image", call.Request.Url.QueryParams.FirstOrDefault("type"));
        Assert.Contains("name=media", await BodyAsync(call));
    }

    [Fact]
    public async Task Draft_add_sends_the_documented_article_and_reads_the_drafts_media_id()
    {
        var (http, client) = NewClient();
        using var _ = http;
        http.ForCallsTo("*/cgi-bin/draft/add").RespondWith(Corpus("draft_add.ok.json"));

        var draft = await client.AddDraftAsync(new DraftAddRequest([
            new DraftArticle("全国科普日柳州主场活动", "<p>欢迎参加</p>", "THUMB", Author: "柳州市科协", Digest: "9月14日 柳州科技馆",
                ContentSourceUrl: "https://www.lzkx.org.cn/", NeedOpenComment: 1),
        ]));

        Assert.Equal(64, draft.MediaId.Length);
        Assert.Equal(
            """{"articles":[{"title":"全国科普日柳州主场活动","content":"<p>欢迎参加</p>","thumb_media_id":"THUMB","author":"柳州市科协","digest":"9月14日 柳州科技馆","content_source_url":"https://www.lzkx.org.cn/","need_open_comment":1,"only_fans_can_comment":0,"article_type":"news"}]}""",
            await BodyAsync(Assert.Single(http.CallLog, c => c.Request.Url.Path == "/cgi-bin/draft/add")));
    }

    [Fact]
    public async Task Draft_add_refused_for_a_long_title_throws_45003()
    {
        var (http, client) = NewClient();
        using var _ = http;
        http.ForCallsTo("*/cgi-bin/draft/add").RespondWith(Corpus("draft_add.45003.json"));

        var e = await Assert.ThrowsAsync<WechatApiException>(() => client.AddDraftAsync(new DraftAddRequest([new DraftArticle(new string('长', 40), "x", "T")])));

        Assert.Equal(45003, e.Errcode);
    }

    [Fact]
    public async Task Freepublish_submit_reads_the_publish_id_as_text_and_53503_is_permanent()
    {
        var (http, client) = NewClient();
        using var _ = http;
        http.ForCallsTo("*/cgi-bin/freepublish/submit").RespondWith(Corpus("freepublish_submit.ok.json")).RespondWith(Corpus("freepublish_submit.53503.json"));

        var submitted = await client.SubmitPublishAsync("DRAFT");
        Assert.Equal(("2247503051", "2247503051"), (submitted.PublishId, submitted.MsgDataId));
        Assert.Equal("""{"media_id":"DRAFT"}""", await BodyAsync(http.CallLog.First(c => c.Request.Url.Path == "/cgi-bin/freepublish/submit")));

        var e = await Assert.ThrowsAsync<WechatApiException>(() => client.SubmitPublishAsync("DRAFT"));
        Assert.Equal((53503, WechatErrorKind.PermanentRequest), (e.Errcode, e.Kind));
    }

    [Fact]
    public async Task An_image_mass_send_uses_images_media_ids_and_its_preview_image_media_id()
    {
        var (http, client) = NewClient();
        using var _ = http;
        http.ForCallsTo("*/cgi-bin/message/mass/*").RespondWith(Corpus("mass_send.ok.json"));

        await client.MassSendAllAsync(new MassSendAllRequest(MassFilter.Tag(127), MassContent.ImageMessage(["IMG"], "科普日海报"), "kepu-b1"));
        await client.MassPreviewAsync(new MassPreviewRequest(MassContent.ImagePreview("IMG"), "oAbeuEchsVEoR7TJYHSDATOCN1D6"));

        Assert.Equal(
            """{"filter":{"is_to_all":false,"tag_id":127},"clientmsgid":"kepu-b1","send_ignore_reprint":0,"msgtype":"image","images":{"media_ids":["IMG"],"recommend":"科普日海报","need_open_comment":0,"only_fans_can_comment":0}}""",
            await BodyAsync(http.CallLog.First(c => c.Request.Url.Path == "/cgi-bin/message/mass/sendall")));
        Assert.Equal(
            """{"touser":"oAbeuEchsVEoR7TJYHSDATOCN1D6","msgtype":"image","image":{"media_id":"IMG"}}""",
            await BodyAsync(http.CallLog.First(c => c.Request.Url.Path == "/cgi-bin/message/mass/preview")));
    }

    [Fact]
    public async Task A_mass_send_without_quota_left_throws_45028_and_is_not_retried()
    {
        var (http, client) = NewClient();
        using var _ = http;
        http.ForCallsTo("*/cgi-bin/message/mass/sendall").RespondWith(Corpus("mass_sendall.45028.json"));

        var e = await Assert.ThrowsAsync<WechatApiException>(() =>
            client.MassSendAllAsync(new MassSendAllRequest(MassFilter.All, MassContent.News("DRAFT"), "kepu-b2")));

        Assert.Equal((45028, WechatErrorKind.PermanentRequest), (e.Errcode, e.Kind));
        Assert.Single(http.CallLog, c => c.Request.Url.Path == "/cgi-bin/message/mass/sendall");
    }
}
