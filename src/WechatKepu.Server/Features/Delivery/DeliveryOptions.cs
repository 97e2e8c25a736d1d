using System.ComponentModel.DataAnnotations;
using WechatKepu.Data.Delivery;

namespace WechatKepu.Server.Features.Delivery;

public sealed class DeliveryOptions
{
    public const string Section = "Delivery";

    /// <summary>Chunk loops per dispatcher run (per instance); each claims its own batches.</summary>
    [Range(1, 64)]
    public int Workers { get; set; } = 4;

    /// <summary>Rows one claim takes.</summary>
    [Range(1, 5000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>Sends in flight per worker; Workers × this is the instance's bound.</summary>
    [Range(1, 512)]
    public int ConcurrencyPerWorker { get; set; } = 32;

    /// <summary>Attempts for retryable errors before the row fails.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 6;

    /// <summary>First retry delay; doubled per attempt up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long after a template send that got no answer a resend (same client_msg_id) may still go. WeChat
    /// drops a duplicate openid + client_msg_id for 10 minutes only; past this window the row is not resent but
    /// settled: sent when WeChat's receipt for that user has arrived, else unknown. Keep it under 10 minutes.
    /// </summary>
    public TimeSpan ResendWindow { get; set; } = TimeSpan.FromMinutes(9);

    /// <summary>
    /// A row still 'sending' after this belonged to a process that died: templates are resent (same
    /// client_msg_id), subscribe messages recorded as unknown. Keep it well above Wechat:TimeoutSeconds.
    /// </summary>
    public TimeSpan SendingLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Quiet hours (Asia/Shanghai), in which only urgent campaigns send; equal values turn them off.</summary>
    public TimeOnly QuietHoursStart { get; set; } = new(22, 0);

    public TimeOnly QuietHoursEnd { get; set; } = new(7, 0);

    /// <summary>Calls per second per WeChat API path, per instance (e.g. "/cgi-bin/message/template/send": 2000); unlisted paths are not limited.</summary>
    public Dictionary<string, int> RateLimits { get; set; } = [];

    /// <summary>Cron (Asia/Shanghai) of the tick that plans reminders and sends what is due; six fields allow seconds.</summary>
    [Required]
    public string TickCron { get; set; } = "* * * * *";

    /// <summary>
    /// How long after a campaign finished its rows are kept (retries, receipts and the report's failure list);
    /// then the nightly purge keeps only its counts by outcome (0020_delivery_outcomes.sql).
    /// </summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan RowRetention { get; set; } = TimeSpan.FromDays(30);

    public QuietHours QuietHours => new(QuietHoursStart, QuietHoursEnd);

    /// <summary>The delay before attempt <paramref name="attempts"/> + 1: base × 2^(attempts − 1), capped.</summary>
    public TimeSpan Backoff(int attempts) =>
        TimeSpan.FromTicks(Math.Min(RetryMaxDelay.Ticks, RetryBaseDelay.Ticks * (1L << Math.Clamp(attempts - 1, 0, 30))));
}
