using System.ComponentModel.DataAnnotations;

namespace WechatKepu.Server.Features.Callback;

public sealed class CallbackOptions
{
    public const string Section = "Callback";

    /// <summary>A request whose <c>timestamp</c> is further than this from our clock is refused (replays).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan TimestampWindow { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>How long a handler may run before the callback answers "success" and a job takes over.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:04.500")]
    public TimeSpan HandlerDeadline { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long, from its arrival, a retry may wait for the first try's reply before answering "success".
    /// Must stay under WeChat's 5 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:04.800")]
    public TimeSpan ReplyWaitBudget { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>Largest accepted POST body in bytes.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>How long inbound messages (and so their dedup keys and replies) are kept.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan InboundRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Most claims inserted by one statement.</summary>
    [Range(1, 5000)]
    public int ClaimBatchSize { get; set; } = 512;

    /// <summary>
    /// Commit claims without waiting for PostgreSQL's WAL flush (<c>synchronous_commit = off</c> for the claim
    /// alone): a PostgreSQL crash may forget the claims of its last ~0.6 s, so a retry of one of those messages
    /// would be handled again. The trade and its measurement are in docs/benchmarks.md.
    /// </summary>
    public bool AsyncClaimCommit { get; set; }

    /// <summary>Claim statements in flight at once (each holds one connection).</summary>
    [Range(1, 64)]
    public int ClaimConcurrency { get; set; } = 2;

    /// <summary>The mini-program page the 活动 command links each session to; <c>{id}</c> is the session id.</summary>
    [Required]
    public string SessionPagePath { get; set; } = "pages/signup/signup?sessionId={id}";

    /// <summary>The mini-program page replies link to for "more" (the activity list).</summary>
    [Required]
    public string ActivitiesPagePath { get; set; } = "pages/index/index";

    /// <summary>Sessions listed by the 活动 command at most (fewer when they would not fit WeChat's 2,048 bytes).</summary>
    [Range(1, 10)]
    public int UpcomingSessions { get; set; } = 5;
}
