using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api;

/// <summary>
/// The envelope every WeChat JSON answer shares: <c>errcode</c> absent or 0 means success. Response
/// records derive from it so the client reads the outcome and the payload in one parse.
/// </summary>
public record WechatResponse
{
    [JsonPropertyName("errcode")]
    public int Errcode { get; init; }

    [JsonPropertyName("errmsg")]
    public string? Errmsg { get; init; }
}
