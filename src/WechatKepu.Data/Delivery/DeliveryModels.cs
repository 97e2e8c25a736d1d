namespace WechatKepu.Data.Delivery;

public static class CampaignKinds
{
    public const string SessionReminder = "session_reminder";
    public const string WaitlistPromoted = "waitlist_promoted";
    public const string SessionCancelled = "session_cancelled";
    public const string SessionChanged = "session_changed";
    public const string TopicRound = "topic_round";
    public const string Broadcast = "broadcast";
    public const string SummaryReminder = "summary_reminder";
}

public static class DeliveryChannels
{
    /// <summary>Mini-program subscribe message; spends one grant from the ledger when the row is created.</summary>
    public const string MiniProgramSubscribe = "mp_subscribe";

    /// <summary>Official-account template message, sent with <c>client_msg_id</c> = the row's id.</summary>
    public const string OfficialAccountTemplate = "oa_template";

    /// <summary>The recipient could not be reached on any channel; recorded, never sent.</summary>
    public const string None = "none";
}

public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Sending = "sending";
    public const string Sent = "sent";
    public const string Failed = "failed";

    /// <summary>A send without idempotency key was interrupted: it may or may not have arrived, and is not resent.</summary>
    public const string Unknown = "unknown";

    public const string Cancelled = "cancelled";
    public const string NoChannel = "no_channel";
}

/// <summary>
/// What a campaign sends. The mini-program part is used for parents who hold a subscribe grant for
/// <paramref name="MpTemplateId"/>; the official-account part for followers, and for parents without a
/// grant who follow <paramref name="OaAppId"/> (matched by unionid). Data maps a template keyword to its
/// value (<c>thing1</c> → "科学实验秀").
/// </summary>
public sealed record CampaignContent(
    string? MpTemplateId = null,
    IReadOnlyDictionary<string, string>? MpData = null,
    string? MpPage = null,
    string? OaAppId = null,
    string? OaTemplateId = null,
    IReadOnlyDictionary<string, string>? OaData = null,
    string? OaUrl = null);

/// <summary>
/// One campaign to create. <paramref name="Source"/> names its cause and is unique: creating the same
/// source twice creates nothing the second time. <paramref name="Urgent"/> campaigns ignore quiet hours.
/// </summary>
public sealed record CampaignSpec(
    string Kind,
    string Source,
    string Title,
    DateTimeOffset SendAfter,
    CampaignContent Content,
    bool Urgent = false,
    string? CreatedBy = null,
    long? SessionId = null,
    long? TopicRoundId = null,
    DateTimeOffset? RefStartsAt = null);

/// <summary>Who a campaign goes to. Each audience is resolved to delivery rows by one INSERT … SELECT.</summary>
public abstract record DeliveryAudience
{
    private DeliveryAudience()
    {
    }

    /// <summary>Parents with a confirmed or checked-in sign-up for the session (one message per parent).</summary>
    public sealed record SessionParents(long SessionId) : DeliveryAudience;

    /// <summary>The parents of these sign-ups, whatever their status (promotion and cancellation notices).</summary>
    public sealed record SignupParents(IReadOnlyList<long> SignupIds) : DeliveryAudience;

    /// <summary>Followers subscribed to a reminder topic now, and still following the account.</summary>
    public sealed record TopicSubscribers(long TopicId) : DeliveryAudience;

    /// <summary>Every current follower of an official account, or those with a tag.</summary>
    public sealed record Followers(string AppId, int? TagId = null) : DeliveryAudience;

    /// <summary>Staff accounts, by the openid on their account (enabled ones with an openid), on the campaign's official account.</summary>
    public sealed record StaffMembers(IReadOnlyList<long> StaffIds) : DeliveryAudience;

    /// <summary>Parent audiences choose a channel per parent; follower audiences always use the template.</summary>
    internal bool IsParents => this is SessionParents or SignupParents;
}

public sealed record CampaignCreated(long CampaignId, int Total);

public sealed record CampaignRow
{
    public long Id { get; init; }
    public string Kind { get; init; } = "";
    public string Source { get; init; } = "";
    public string Title { get; init; } = "";
    public bool Urgent { get; init; }
    public string Status { get; init; } = "";
    public DateTime SendAfter { get; init; }
    public int Total { get; init; }
    public string? CreatedBy { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? CompletedAt { get; init; }
    public DateTime? CancelledAt { get; init; }
}

public sealed record OutcomeCount(string Status, string Channel, int? Errcode, int Count);

public sealed record DeliveryFailure(long Id, string Recipient, string Channel, string? OpenId, string Status, int? Errcode, string? Errmsg, int Attempts);

/// <summary>A campaign's delivery report: counts by outcome, channel and errcode, and the failures.</summary>
/// <param name="UnmatchedReceipts">Receipts to this campaign's recipients that carried no usable msgid, so could not be matched to a row.</param>
public sealed record CampaignReport(CampaignRow Campaign, IReadOnlyList<OutcomeCount> Counts, IReadOnlyList<DeliveryFailure> Failures, int UnmatchedReceipts = 0)
{
    public int Count(string status) => Counts.Where(c => c.Status == status).Sum(c => c.Count);
}
