using Prometheus;

namespace WechatKepu.Server.Infrastructure;

/// <summary>
/// The application's own metrics, exported with the HTTP ones at <c>/metrics</c> in the Prometheus text
/// format. Static so that any feature (sign-ups, the callback, the delivery engine) records an outcome
/// with one call and no constructor change; prometheus-net's collectors are thread-safe and cheap.
/// Label values are always from small fixed sets (outcome names, message kinds, errcodes), never ids.
/// </summary>
public static class KepuMetrics
{
    private static readonly Counter SignupOutcomes = Metrics.CreateCounter(
        "kepu_signup_outcomes_total", "Sign-up attempts by outcome (confirmed, waitlisted, session_full, …).",
        new CounterConfiguration { LabelNames = ["outcome"] });

    private static readonly Histogram CallbackDuration = Metrics.CreateHistogram(
        "kepu_callback_duration_seconds", "Official-account callback handling time, from request to reply (WeChat gives up after 5 s).",
        new HistogramConfiguration
        {
            LabelNames = ["kind", "outcome"],
            Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4.5],
        });

    private static readonly Counter DeliveryOutcomes = Metrics.CreateCounter(
        "kepu_delivery_outcomes_total", "Message deliveries by channel, outcome and WeChat errcode (0 when sent).",
        new CounterConfiguration { LabelNames = ["channel", "outcome", "errcode"] });

    private static readonly Gauge QueueDepthGauge = Metrics.CreateGauge(
        "kepu_queue_depth", "Work waiting, read from the database at scrape time: deliveries by status, Hangfire jobs by queue.",
        new GaugeConfiguration { LabelNames = ["queue", "state"] });

    private static readonly Counter DatabaseUnavailable = Metrics.CreateCounter(
        "kepu_database_unavailable_total", "Requests answered 503 because PostgreSQL could not be reached.");

    public static void Signup(string outcome) => SignupOutcomes.WithLabels(outcome).Inc();

    public static void Callback(string kind, string outcome, TimeSpan elapsed) =>
        CallbackDuration.WithLabels(kind, outcome).Observe(elapsed.TotalSeconds);

    public static void Delivery(string channel, string outcome, int? errcode) =>
        DeliveryOutcomes.WithLabels(channel, outcome, (errcode ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();

    public static void QueueDepth(string queue, string state, long depth) => QueueDepthGauge.WithLabels(queue, state).Set(depth);

    internal static void DatabaseDown() => DatabaseUnavailable.Inc();
}
