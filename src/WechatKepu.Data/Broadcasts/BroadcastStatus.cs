namespace WechatKepu.Data.Broadcasts;

/// <summary>
/// A broadcast's status (<c>broadcasts.status</c>). It moves only forward:
/// draft → (awaiting_confirmation →) scheduled → sending → sent (a mass send WeChat accepted) → completed | failed;
/// cancelled only before the start.
/// </summary>
public static class BroadcastStatus
{
    public const string Draft = "draft";
    public const string AwaitingConfirmation = "awaiting_confirmation";
    public const string Scheduled = "scheduled";
    public const string Sending = "sending";
    public const string Sent = "sent";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>The error of a broadcast that reached nobody on its list; such a broadcast is never "done".</summary>
    public const string NobodyReached = "没有送达任何人";
}

/// <summary>Who a broadcast goes to (<c>broadcasts.audience</c>); <c>audience_ref</c> names the tag, topic or session.</summary>
public static class BroadcastAudience
{
    public const string All = "all";
    public const string Tag = "tag";
    public const string Topic = "topic";
    public const string Session = "session";
}

/// <summary>What a broadcast carries (<c>broadcasts.kind</c>).</summary>
public static class BroadcastKind
{
    public const string Text = "text";
    public const string News = "news";
    public const string Template = "template";
    /// <summary>An article (图文) from the draft box, mass-sent by its draft media_id.</summary>
    public const string Mpnews = "mpnews";
    /// <summary>An uploaded image (permanent material), mass-sent by its media_id.</summary>
    public const string Image = "image";
}

/// <summary>One recipient's result on a broadcast's list (<c>broadcast_recipients.status</c>).</summary>
public static class RecipientStatus
{
    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Failed = "failed";
    /// <summary>WeChat refused for the user's state (unfollowed, outside the 48-hour window…).</summary>
    public const string Skipped = "skipped";
    /// <summary>A send WeChat never answered: it may have arrived, and is never resent.</summary>
    public const string Unknown = "unknown";
}
