using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.User;

/// <summary>Answer of <c>POST /cgi-bin/user/info/batchget</c>.</summary>
public sealed record UserInfoBatchGetResponse : WechatResponse
{
    [JsonPropertyName("user_info_list")]
    public IReadOnlyList<UserInfoResponse> UserInfoList { get; init; } = [];
}
