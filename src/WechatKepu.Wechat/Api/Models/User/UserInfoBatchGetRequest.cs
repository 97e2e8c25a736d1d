using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.User;

/// <summary>Body of <c>POST /cgi-bin/user/info/batchget</c>: at most 100 users.</summary>
public sealed record UserInfoBatchGetRequest(
    [property: JsonPropertyName("user_list")] IReadOnlyList<UserInfoQuery> UserList);

public sealed record UserInfoQuery(
    [property: JsonPropertyName("openid")] string OpenId,
    [property: JsonPropertyName("lang")] string Lang = "zh_CN");
