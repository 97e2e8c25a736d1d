using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.User;

/// <summary>
/// Answer of <c>GET /cgi-bin/user/info</c>, and one element of <c>user/info/batchget</c>'s list.
/// For a user who no longer follows, only <see cref="Subscribe"/> = 0, the openid and the unionid come back.
/// </summary>
public sealed record UserInfoResponse : WechatResponse
{
    /// <summary>1 when the user follows the account, 0 otherwise.</summary>
    [JsonPropertyName("subscribe")]
    public int Subscribe { get; init; }

    [JsonPropertyName("openid")]
    public string OpenId { get; init; } = "";

    [JsonPropertyName("unionid")]
    public string? UnionId { get; init; }

    [JsonPropertyName("language")]
    public string? Language { get; init; }

    /// <summary>Unix seconds of the (last) follow.</summary>
    [JsonPropertyName("subscribe_time")]
    public long? SubscribeTime { get; init; }

    [JsonPropertyName("remark")]
    public string? Remark { get; init; }

    [JsonPropertyName("tagid_list")]
    public IReadOnlyList<int>? TagIdList { get; init; }

    [JsonPropertyName("subscribe_scene")]
    public string? SubscribeScene { get; init; }

    [JsonPropertyName("qr_scene")]
    public long? QrScene { get; init; }

    [JsonPropertyName("qr_scene_str")]
    public string? QrSceneStr { get; init; }

    [JsonIgnore]
    public bool IsSubscribed => Subscribe == 1;
}
