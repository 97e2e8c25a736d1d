using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Template;

/// <summary>Body of <c>POST /cgi-bin/message/template/send</c>.</summary>
/// <param name="ClientMsgId">WeChat sends one message per openid + client_msg_id for a while: set it so a retried send cannot deliver twice.</param>
public sealed record TemplateSendRequest(
    [property: JsonPropertyName("touser")] string ToUser,
    [property: JsonPropertyName("template_id")] string TemplateId,
    [property: JsonPropertyName("data")] IReadOnlyDictionary<string, TemplateValue> Data,
    [property: JsonPropertyName("url")] string? Url = null,
    [property: JsonPropertyName("miniprogram")] MiniProgramLink? MiniProgram = null,
    [property: JsonPropertyName("client_msg_id")] string? ClientMsgId = null);

/// <summary>One template keyword's value (<c>{"value": "…"}</c>).</summary>
public sealed record TemplateValue([property: JsonPropertyName("value")] string Value);

/// <summary>A jump into a mini-program from a message.</summary>
public sealed record MiniProgramLink(
    [property: JsonPropertyName("appid")] string AppId,
    [property: JsonPropertyName("pagepath")] string PagePath);
