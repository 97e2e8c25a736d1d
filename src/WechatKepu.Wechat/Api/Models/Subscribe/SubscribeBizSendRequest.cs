using System.Text.Json.Serialization;
using WechatKepu.Wechat.Api.Models.Template;

namespace WechatKepu.Wechat.Api.Models.Subscribe;

/// <summary>Body of the official account's <c>POST /cgi-bin/message/subscribe/bizsend</c> (subscribe notice).</summary>
/// <param name="Page">A web page to open; when <paramref name="MiniProgram"/> is set too, WeChat prefers the mini-program.</param>
public sealed record SubscribeBizSendRequest(
    [property: JsonPropertyName("touser")] string ToUser,
    [property: JsonPropertyName("template_id")] string TemplateId,
    [property: JsonPropertyName("data")] IReadOnlyDictionary<string, TemplateValue> Data,
    [property: JsonPropertyName("page")] string? Page = null,
    [property: JsonPropertyName("miniprogram")] MiniProgramLink? MiniProgram = null);
