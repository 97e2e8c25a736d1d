using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Subscribe;

/// <summary>Answer of <c>GET /wxaapi/newtmpl/gettemplate</c>: the mini-program's subscribe-message templates.</summary>
public sealed record SubscribeTemplateListResponse : WechatResponse
{
    [JsonPropertyName("data")]
    public IReadOnlyList<SubscribeTemplate> Templates { get; init; } = [];
}

/// <summary>One subscribe-message template added to the mini-program.</summary>
/// <param name="PriTmplId">What <c>message/subscribe/send</c> and <c>wx.requestSubscribeMessage</c> take.</param>
/// <param name="Content">One field a line: <c>会议时间:{{date2.DATA}}</c>.</param>
/// <param name="Type">2 one-time, 3 long-term.</param>
/// <param name="KeywordEnumValueList">For <c>enum_string</c> fields: the only values WeChat accepts.</param>
public sealed record SubscribeTemplate(
    [property: JsonPropertyName("priTmplId")] string PriTmplId,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("example")] string? Example,
    [property: JsonPropertyName("type")] int Type,
    [property: JsonPropertyName("keywordEnumValueList")] IReadOnlyList<SubscribeTemplateEnum>? KeywordEnumValueList = null);

/// <param name="KeywordCode">The field as the content names it, e.g. <c>enum_string2.DATA</c>.</param>
public sealed record SubscribeTemplateEnum(
    [property: JsonPropertyName("keywordCode")] string KeywordCode,
    [property: JsonPropertyName("enumValueList")] IReadOnlyList<string> EnumValueList);
