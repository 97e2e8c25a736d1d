using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Template;

/// <summary>Answer of <c>GET /cgi-bin/template/get_all_private_template</c>: every template the official account has added (no errcode on success).</summary>
public sealed record PrivateTemplateListResponse : WechatResponse
{
    [JsonPropertyName("template_list")]
    public IReadOnlyList<PrivateTemplate> Templates { get; init; } = [];
}

/// <summary>One official-account template.</summary>
/// <param name="TemplateId">43 characters; what <c>message/template/send</c> takes.</param>
/// <param name="Content">One field a line: <c>活动名称:{{thing1.DATA}}</c>; legacy templates also <c>{{first.DATA}}</c> and <c>{{remark.DATA}}</c>.</param>
/// <param name="Example">The same lines filled with sample values.</param>
public sealed record PrivateTemplate(
    [property: JsonPropertyName("template_id")] string TemplateId,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("primary_industry")] string? PrimaryIndustry,
    [property: JsonPropertyName("deputy_industry")] string? DeputyIndustry,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("example")] string? Example);
