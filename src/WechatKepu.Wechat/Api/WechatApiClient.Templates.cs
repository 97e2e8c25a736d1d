using WechatKepu.Wechat.Api.Models.Subscribe;
using WechatKepu.Wechat.Api.Models.Template;

namespace WechatKepu.Wechat.Api;

/// <summary>The template lists staff choose from: the official account's and the mini-program's.</summary>
public sealed partial class WechatApiClient
{
    /// <summary>Lists the official account's templates (those added in its admin, at most 25).</summary>
    /// <remarks>[GET] /cgi-bin/template/get_all_private_template. Answers without errcode; 48001 when the account may not send templates.</remarks>
    public Task<PrivateTemplateListResponse> GetPrivateTemplatesAsync(CancellationToken cancellationToken = default) =>
        GetAsync<PrivateTemplateListResponse>("/cgi-bin/template/get_all_private_template", [], cancellationToken);

    /// <summary>Lists the mini-program's subscribe-message templates.</summary>
    /// <remarks>[GET] /wxaapi/newtmpl/gettemplate. <c>type</c> 2 one-time, 3 long-term; enum fields list their allowed values.</remarks>
    public Task<SubscribeTemplateListResponse> GetSubscribeTemplatesAsync(CancellationToken cancellationToken = default) =>
        GetAsync<SubscribeTemplateListResponse>("/wxaapi/newtmpl/gettemplate", [], cancellationToken);
}
