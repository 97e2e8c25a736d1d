using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Mass;

/// <summary>Body of <c>POST /cgi-bin/message/mass/sendall</c> (all followers, or one tag).</summary>
/// <param name="ClientMsgId">WeChat keeps it 24 h and answers 45065 with the first msg_id to a repeat: always set it.</param>
/// <param name="SendIgnoreReprint">1: go on when an article is judged a reprint that may be reprinted; 0: stop.</param>
public sealed record MassSendAllRequest(
    [property: JsonPropertyName("filter")] MassFilter Filter,
    MassContent Content,
    [property: JsonPropertyName("clientmsgid")] string? ClientMsgId,
    [property: JsonPropertyName("send_ignore_reprint")] int SendIgnoreReprint = 0) : MassMessage(Content);

public sealed record MassFilter(
    [property: JsonPropertyName("is_to_all")] bool IsToAll,
    [property: JsonPropertyName("tag_id")] int? TagId = null)
{
    public static MassFilter All { get; } = new(true);

    public static MassFilter Tag(int tagId) => new(false, tagId);
}
