using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Tags;

/// <summary>Body of <c>POST /cgi-bin/tags/members/batchtagging</c> and <c>batchuntagging</c>: at most 50 openids.</summary>
public sealed record TagMembersRequest(
    [property: JsonPropertyName("openid_list")] IReadOnlyList<string> OpenIdList,
    [property: JsonPropertyName("tagid")] int TagId);
