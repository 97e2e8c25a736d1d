using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Mass;

/// <summary>Body of <c>POST /cgi-bin/message/mass/send</c>: to a list of 2 to 10,000 openids.</summary>
public sealed record MassSendRequest(
    [property: JsonPropertyName("touser")] IReadOnlyList<string> ToUser,
    MassContent Content,
    [property: JsonPropertyName("clientmsgid")] string? ClientMsgId,
    [property: JsonPropertyName("send_ignore_reprint")] int SendIgnoreReprint = 0) : MassMessage(Content)
{
    /// <summary>WeChat's bounds on one list: at least 2 openids (40130 otherwise), at most 10,000.</summary>
    public const int MinRecipients = 2;

    public const int MaxRecipients = 10_000;

    /// <summary>
    /// Splits a list of at least <see cref="MinRecipients"/> openids into as few lists as WeChat allows, of nearly
    /// equal size, so that no list is left with one openid (10,001 → 5,000 + 5,001, never 10,000 + 1).
    /// </summary>
    public static IReadOnlyList<T[]> Chunks<T>(IReadOnlyList<T> openIds, int max = MaxRecipients)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(openIds.Count, MinRecipients);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 2 * MinRecipients - 1);
        var count = (openIds.Count + max - 1) / max;
        var chunks = new List<T[]>(count);
        for (int i = 0, start = 0; i < count; i++)
        {
            var size = (openIds.Count - start) / (count - i);
            chunks.Add(openIds.Skip(start).Take(size).ToArray());
            start += size;
        }

        return chunks;
    }
}
