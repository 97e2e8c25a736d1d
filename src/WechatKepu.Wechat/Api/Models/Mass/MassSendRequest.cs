using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Mass;

/// <summary>Body of <c>POST /cgi-bin/message/mass/send</c>: to a list of 2 to 10,000 openids.</summary>
public sealed record MassSendRequest(
    [property: JsonPropertyName("touser")] IReadOnlyList<string> ToUser,
    MassContent Content,
    [property: JsonPropertyName("clientmsgid")] string? ClientMsgId,
    [property: JsonPropertyName("send_ignore_reprint")] int SendIgnoreReprint = 0) : MassMessage(Content);
