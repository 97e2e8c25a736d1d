using System.Text.Json.Serialization;
using WechatKepu.Wechat.Api.Models.Template;

namespace WechatKepu.Wechat.Api.Models.Subscribe;

/// <summary>Body of the mini-program's <c>POST /cgi-bin/message/subscribe/send</c>.</summary>
/// <param name="MiniProgramState"><c>developer</c>, <c>trial</c> or <c>formal</c> (default).</param>
/// <param name="Lang"><c>zh_CN</c> (default), <c>en_US</c>, <c>zh_HK</c>, <c>zh_TW</c>.</param>
public sealed record SubscribeSendRequest(
    [property: JsonPropertyName("touser")] string ToUser,
    [property: JsonPropertyName("template_id")] string TemplateId,
    [property: JsonPropertyName("data")] IReadOnlyDictionary<string, TemplateValue> Data,
    [property: JsonPropertyName("page")] string? Page = null,
    [property: JsonPropertyName("miniprogram_state")] string? MiniProgramState = null,
    [property: JsonPropertyName("lang")] string? Lang = null);
