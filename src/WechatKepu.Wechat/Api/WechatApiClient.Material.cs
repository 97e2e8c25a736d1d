using WechatKepu.Wechat.Api.Models.Draft;
using WechatKepu.Wechat.Api.Models.Material;

namespace WechatKepu.Wechat.Api;

/// <summary>Images, drafts and publishing: what an article (图文) needs before it can be mass-sent or published.</summary>
public sealed partial class WechatApiClient
{
    /// <summary>Uploads an image for an article's body; the URL it answers is the only image source WeChat keeps in an article.</summary>
    /// <remarks>[POST multipart] /cgi-bin/media/uploadimg. JPG or PNG under 1 MB; 40005 wrong type, 40009 too large.</remarks>
    public Task<UploadImageResponse> UploadArticleImageAsync(MediaUpload image, CancellationToken cancellationToken = default) =>
        PostAsync<UploadImageResponse>("/cgi-bin/media/uploadimg", image, cancellationToken);

    /// <summary>Adds a permanent image (an article's cover, an image broadcast): answers media_id and url.</summary>
    /// <remarks>[POST multipart] /cgi-bin/material/add_material?type=image. Up to 10 MB (bmp/png/jpeg/jpg/gif).</remarks>
    public Task<AddMaterialResponse> AddImageMaterialAsync(MediaUpload image, CancellationToken cancellationToken = default) =>
        SendAsync<AddMaterialResponse>(new Call(HttpMethod.Post, "/cgi-bin/material/add_material", image, WithToken: true, [new("type", "image")]),
            cancellationToken).ContinueWithJson();

    /// <summary>Puts articles into the account's draft box; the media_id is what mass mpnews and freepublish send.</summary>
    /// <remarks>[POST] /cgi-bin/draft/add. 45003 title, 45004 digest, 45110 author too long; 40007 bad thumb_media_id.</remarks>
    public Task<DraftAddResponse> AddDraftAsync(DraftAddRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<DraftAddResponse>("/cgi-bin/draft/add", request, cancellationToken);

    /// <summary>Publishes a draft (发布: on the account's page, not pushed to followers); PUBLISHJOBFINISH reports the outcome.</summary>
    /// <remarks>[POST] /cgi-bin/freepublish/submit. 53503 the draft failed the publish check.</remarks>
    public Task<FreePublishSubmitResponse> SubmitPublishAsync(string draftMediaId, CancellationToken cancellationToken = default) =>
        PostAsync<FreePublishSubmitResponse>("/cgi-bin/freepublish/submit", new Dictionary<string, string> { ["media_id"] = draftMediaId },
            cancellationToken);
}
