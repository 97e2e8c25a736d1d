using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Security;

/// <summary>Answer of <c>POST /wxa/msg_sec_check</c>: errcode 0 only says the check ran; <see cref="Result"/> says pass/review/risky.</summary>
public sealed record MsgSecCheckResponse : WechatResponse
{
    [JsonPropertyName("result")]
    public MsgSecCheckResult? Result { get; init; }

    [JsonPropertyName("detail")]
    public IReadOnlyList<MsgSecCheckDetail> Detail { get; init; } = [];

    [JsonPropertyName("trace_id")]
    public string? TraceId { get; init; }
}

/// <param name="Suggest"><c>pass</c>, <c>review</c> or <c>risky</c>.</param>
/// <param name="Label">100 normal; 10001 ads, 20001 politics, 20002 porn, 20003 abuse, 20006 crime, 20008 fraud, 20012 vulgar, 20013 copyright, 21000 other.</param>
public sealed record MsgSecCheckResult(
    [property: JsonPropertyName("suggest")] string Suggest,
    [property: JsonPropertyName("label")] int Label);

public sealed record MsgSecCheckDetail(
    [property: JsonPropertyName("strategy")] string Strategy,
    [property: JsonPropertyName("errcode")] int Errcode,
    [property: JsonPropertyName("suggest")] string? Suggest,
    [property: JsonPropertyName("label")] int? Label,
    [property: JsonPropertyName("keyword")] string? Keyword,
    [property: JsonPropertyName("prob")] int? Prob);
