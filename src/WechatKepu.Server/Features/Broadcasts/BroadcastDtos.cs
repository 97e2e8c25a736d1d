using System.Text.Json;
using WechatKepu.Data.Broadcasts;
using WechatKepu.Data.Delivery;

namespace WechatKepu.Server.Features.Broadcasts;

public sealed record NewsLink(string? Title, string? Description, string? Url);

public sealed record TemplateBody(string? TemplateId, Dictionary<string, string>? Data);

/// <summary>
/// What staff compose. <c>kind</c>: text, news (a link with a title), template (fields filled per
/// template), mpnews (<c>articleId</c>: an article kept as a draft) or image (<c>imageId</c>: an uploaded cover image); <c>page</c>: a mini-program page the message links to. <c>audience</c>: all, tag (audienceRef
/// = tag id), topic (= reminder topic id) or session (= session id: its parents, reached by unionid).
/// </summary>
public sealed record BroadcastRequest(
    string? AppId, string? Title, string? Kind, string? Text, NewsLink? News, TemplateBody? Template, string? Page,
    string? Audience, long? AudienceRef, long? ArticleId = null, long? ImageId = null);

public sealed record ScheduleRequest(DateTimeOffset? At);

public sealed record BroadcastDto(
    long Id, string AppId, string Title, string Kind, JsonElement Content, string Audience, long? AudienceRef, string Status,
    DateTimeOffset? ScheduledAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? MsgId, string? Error,
    int? TotalCount, int? FilterCount, int? SentCount, int? ErrorCount, string CreatedByName, DateTimeOffset CreatedAt,
    int Recipients, int RecipientsSent, int RecipientsFailed);

/// <summary>A template broadcast's progress in the delivery engine: counts by outcome and the failures.</summary>
public sealed record BroadcastDeliveryDto(long CampaignId, string CampaignStatus, int Total, int Sent, int Failed, int Pending,
    IReadOnlyList<DeliveryFailure> Failures);

/// <summary>
/// A broadcast with its results. <c>Unreachable</c>: who it did not reach and why (for a session's parents, every
/// family the official account cannot reach, including those with no matching follower; before sending, a forecast).
/// <c>Forecast</c>: before sending (draft, scheduled, awaiting confirmation), how many it will reach per channel and
/// how many it cannot, by reason; null once sending has started.
/// </summary>
public sealed record BroadcastDetailDto(BroadcastDto Broadcast, IReadOnlyList<BroadcastRecipientRow> RecipientList, BroadcastDeliveryDto? Delivery,
    IReadOnlyList<UnreachableDto> Unreachable, ReachForecastDto? Forecast = null);

/// <summary>
/// A broadcast's reach before it is sent: the recipients per channel (<c>mass_all</c>, <c>mass_tag</c>: WeChat's mass
/// send by filter; <c>mass_openids</c>: a mass send to a list of openids; <c>custom</c>: a customer-service message,
/// for a list of one; <c>oa_template</c>: template messages), the unreachable counted by reason, and a Chinese summary.
/// </summary>
public sealed record ReachForecastDto(int Reachable, int UnreachableCount, IReadOnlyList<ForecastChannelDto> Channels,
    IReadOnlyList<ForecastReasonDto> Unreachable, string Summary);

public sealed record ForecastChannelDto(string Channel, string Name, int Count);

public sealed record ForecastReasonDto(string Code, string Reason, int Count);

/// <summary>The stored content of a broadcast (jsonb), one shape for every kind.</summary>
public sealed record BroadcastContent(string? Text, NewsLink? News, TemplateBody? Template, string? Page,
    ArticleRef? Article = null, ImageRef? Image = null);

/// <summary>The article an mpnews broadcast sends: its title, as composed, and the draft's media_id at WeChat.</summary>
public sealed record ArticleRef(long Id, string Title, string DraftMediaId);

/// <summary>The image an image broadcast sends: its URL and permanent media_id at WeChat.</summary>
public sealed record ImageRef(long Id, string Url, string MediaId);


internal static class KepuJson
{
    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

/// <summary>Someone a broadcast did not (or, before it is sent, will not) reach, and why, in words staff can act on.</summary>
public sealed record UnreachableDto(string Who, string? Openid, string Reason, int? Errcode);
