using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using WechatKepu.Simulator;
using WechatKepu.Simulator.Platform;
using WechatKepu.Wechat.Api;
using WechatKepu.Wechat.Api.Models.Draft;
using WechatKepu.Wechat.Api.Models.Mass;
using WechatKepu.Wechat.Api.Models.Material;
using WechatKepu.Wechat.Messages;

namespace WechatKepu.Wechat.Tests.Simulator;

/// <summary>
/// The simulator's images, drafts, publishing and mass quota: the same shapes as tests/Corpus and WeChat's limits
/// (JPG/PNG ≤ 1 MB for uploadimg, title ≤ 32, a cover that is permanent material, 45028 once the quota is spent).
/// </summary>
public sealed class SimulatorMaterialTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private static byte[] Jpeg(int length)
    {
        var bytes = new byte[length];
        bytes[0] = 0xFF;
        bytes[1] = 0xD8;
        bytes[2] = 0xFF;
        return bytes;
    }

    private static string Shape(JsonElement e) => SimulatorCorpusTests.Shape(e);

    private static string CorpusShape(string file) => SimulatorCorpusTests.CorpusShape(file);

    private async Task<(HttpClient Http, string Token)> TokenAsync(string appId)
    {
        var http = new HttpClient { BaseAddress = new Uri(fixture.Host.BaseUrl) };
        var token = await http.PostAsJsonAsync("/cgi-bin/stable_token", new { grant_type = "client_credential", appid = appId, secret = "secret-of-test" });
        return (http, JsonDocument.Parse(await token.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!);
    }

    private static async Task<JsonElement> UploadAsync(HttpClient http, string path, string token, string fileName, string type, byte[] bytes)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(type);
        using var form = new MultipartFormDataContent { { file, "media", fileName } };
        return JsonDocument.Parse(await (await http.PostAsync($"{path}{(path.Contains('?') ? '&' : '?')}access_token={token}", form)).Content.ReadAsStringAsync()).RootElement;
    }

    [Fact]
    public async Task Uploads_answer_the_documented_shapes_and_refuse_wrong_types_and_sizes()
    {
        var account = fixture.NewAccount();
        var (http, token) = await TokenAsync(account.AppId);

        var body = await UploadAsync(http, "/cgi-bin/media/uploadimg", token, "a.png", "image/png", Png);
        Assert.Equal(CorpusShape("api/media_uploadimg.ok.json"), Shape(body));
        Assert.StartsWith("http://mmbiz.qpic.cn/", body.GetProperty("url").GetString());

        // The type is read from the bytes, not the name: a GIF named .png is refused; so is a JPG over 1 MB.
        var gif = "GIF89a"u8.ToArray().Concat(new byte[20]).ToArray();
        Assert.Equal(40005, (await UploadAsync(http, "/cgi-bin/media/uploadimg", token, "a.png", "image/png", gif)).GetProperty("errcode").GetInt32());
        Assert.Equal(CorpusShape("api/media_uploadimg.40005.json"), Shape(await UploadAsync(http, "/cgi-bin/media/uploadimg", token, "a.png", "image/png", gif)));
        Assert.Equal(40009, (await UploadAsync(http, "/cgi-bin/media/uploadimg", token, "a.jpg", "image/jpeg", Jpeg(1024 * 1024 + 1))).GetProperty("errcode").GetInt32());
        Assert.False((await UploadAsync(http, "/cgi-bin/media/uploadimg", token, "a.jpg", "image/jpeg", Jpeg(1024 * 1024))).TryGetProperty("errcode", out _));

        var material = await UploadAsync(http, "/cgi-bin/material/add_material?type=image", token, "cover.png", "image/png", Png);
        Assert.Equal(CorpusShape("api/material_add_material.ok.json"), Shape(material));
        var missing = await (await http.PostAsync($"/cgi-bin/media/uploadimg?access_token={token}", new StringContent("x"))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(41005, missing.GetProperty("errcode").GetInt32());
    }

    [Fact]
    public async Task A_draft_needs_a_permanent_cover_and_short_fields_and_publishing_it_pushes_publishjobfinish()
    {
        var account = fixture.NewAccount();
        var cover = await account.Client.AddImageMaterialAsync(new MediaUpload("cover.png", "image/png", Png));

        var notMaterial = await Assert.ThrowsAsync<WechatApiException>(() =>
            account.Client.AddDraftAsync(new DraftAddRequest([new DraftArticle("科普日", "<p>x</p>", "not-a-material")])));
        Assert.Equal(40007, notMaterial.Errcode);
        var longTitle = await Assert.ThrowsAsync<WechatApiException>(() =>
            account.Client.AddDraftAsync(new DraftAddRequest([new DraftArticle(new string('科', 33), "<p>x</p>", cover.MediaId)])));
        Assert.Equal(45003, longTitle.Errcode);
        var longAuthor = await Assert.ThrowsAsync<WechatApiException>(() =>
            account.Client.AddDraftAsync(new DraftAddRequest([new DraftArticle("科普日", "<p>x</p>", cover.MediaId, Author: new string('作', 17))])));
        Assert.Equal(45110, longAuthor.Errcode);

        var draft = await account.Client.AddDraftAsync(new DraftAddRequest([new DraftArticle(new string('科', 32), "<p>x</p>", cover.MediaId, Digest: new string('摘', 128))]));
        Assert.True(account.Sim.HasDraft(account.AppId, draft.MediaId));

        var sink = new ChannelReceiptSink();
        account.Sim.Receipts = sink;
        try
        {
            var published = await account.Client.SubmitPublishAsync(draft.MediaId);
            Assert.Matches("^[0-9]{19}$", published.PublishId);
            Assert.False(account.Sim.HasDraft(account.AppId, draft.MediaId)); // a published draft leaves the draft box
            Assert.True(sink.Reader.TryRead(out var receipt));
            var push = ReceiptDelivery.ToPush(receipt!, "gh_3f8a1c27b9e4");
            var parsed = Assert.IsType<WechatPublishJobFinishEvent>(WechatInboundMessage.Parse(push));
            Assert.Equal((published.PublishId, 0), (parsed.PublishId, parsed.PublishStatus));
            Assert.Single(parsed.Articles);
            static string Tree(WechatXmlElement e) => e.Value is not null ? e.Name : e.Name + "(" + string.Join(",", e.Children.Select(Tree)) + ")";
            Assert.Equal(Tree(WechatXml.Parse(WechatKepu.Testing.Corpus.Read("push/publishjobfinish.xml"))), Tree(WechatXml.Parse(push)));
        }
        finally
        {
            account.Sim.Receipts = null;
        }

        var again = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.SubmitPublishAsync(draft.MediaId));
        Assert.Equal(40007, again.Errcode);
    }

    [Fact]
    public async Task Mass_sends_check_their_media_and_sendall_spends_the_quota_until_45028()
    {
        var account = fixture.NewAccount();
        account.Sim.AddFollower(account.AppId, "oAbeuEchsVEoR7TJYHSDATOCN1D6");
        account.Sim.SetMassQuota(account.AppId, 1);
        var cover = await account.Client.AddImageMaterialAsync(new MediaUpload("cover.png", "image/png", Png));

        var unknown = await Assert.ThrowsAsync<WechatApiException>(() =>
            account.Client.MassSendAllAsync(new MassSendAllRequest(MassFilter.All, MassContent.News("no-such-draft"), "q-1")));
        Assert.Equal(40007, unknown.Errcode);
        await account.Client.MassPreviewAsync(new MassPreviewRequest(MassContent.ImagePreview(cover.MediaId), "oAbeuEchsVEoR7TJYHSDATOCN1D6"));

        await account.Client.MassSendAllAsync(new MassSendAllRequest(MassFilter.All, MassContent.ImageMessage([cover.MediaId]), "q-2"));
        var spent = await Assert.ThrowsAsync<WechatApiException>(() =>
            account.Client.MassSendAllAsync(new MassSendAllRequest(MassFilter.All, MassContent.ImageMessage([cover.MediaId]), "q-3")));
        Assert.Equal((45028, WechatErrorKind.PermanentRequest), (spent.Errcode, spent.Kind));
        Assert.Equal(45028, account.Sim.CallsTo("/cgi-bin/message/mass/sendall")[^1].Errcode);
    }
}
