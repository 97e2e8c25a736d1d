namespace WechatKepu.Wechat.Api.Models.Material;

/// <summary>
/// An image sent as <c>multipart/form-data</c> in the field WeChat reads (<c>media</c>), with the file name and
/// content type WeChat uses to tell the format (JPG or PNG).
/// </summary>
public sealed record MediaUpload(string FileName, string ContentType, byte[] Bytes)
{
    internal HttpContent ToContent()
    {
        var file = new ByteArrayContent(Bytes);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(ContentType);
        var form = new MultipartFormDataContent { { file, "media", FileName } };
        return form;
    }
}
