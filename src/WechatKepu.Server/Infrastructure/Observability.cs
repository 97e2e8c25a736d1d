using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.HttpOverrides;
using Npgsql;
using Prometheus;

namespace WechatKepu.Server.Infrastructure;

public sealed class ObservabilityOptions
{
    public const string Section = "Observability";

    /// <summary>One JSON object per log line, with scopes (request id, trace id, path); null means "in Production".</summary>
    public bool? JsonLogs { get; set; }

    /// <summary>Serve <c>/metrics</c> (Prometheus text format). Keep it off the public proxy (see docs/deploy.md).</summary>
    public bool MetricsEnabled { get; set; } = true;

    /// <summary>
    /// When set, <c>/metrics</c> answers only <c>Authorization: Bearer &lt;token&gt;</c> (Prometheus'
    /// <c>authorization</c> setting). Without it, <c>/metrics</c> is not served in Production.
    /// </summary>
    public string? MetricsToken { get; set; }

    /// <summary>
    /// Addresses of reverse proxies whose <c>X-Forwarded-For</c> is believed (loopback always is), so
    /// that logs and the per-IP login limit see the parent's address rather than nginx's.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];

    /// <summary>Networks (CIDR, e.g. 10.0.0.0/8) of trusted reverse proxies.</summary>
    public string[] TrustedNetworks { get; set; } = [];
}

/// <summary>
/// Structured logs carrying the request id, the request id echoed to the caller, HTTP and application
/// metrics in the Prometheus text format, and the client address as the proxy saw it.
/// </summary>
/// <remarks>
/// prometheus-net (stable 8.x) rather than the OpenTelemetry Prometheus exporter (still a beta): one
/// package, no SDK pipeline to configure, and the route-pattern labelled HTTP histogram comes with it.
/// </remarks>
public static partial class ObservabilitySetup
{
    public const string RequestIdHeader = "X-Request-Id";

    // prometheus-net also publishes every .NET meter (ASP.NET Core, Kestrel, Npgsql's pool, the runtime);
    // the runtime's private QUIC diagnostics are dozens of series nobody reads. Once per process.
    private static readonly Lazy<bool> MeterFilter = new(() =>
    {
        Metrics.ConfigureMeterAdapter(o => o.InstrumentFilterPredicate =
            instrument => !instrument.Meter.Name.StartsWith("Private.", StringComparison.Ordinal));
        return true;
    });

    public static WebApplicationBuilder AddKepuObservability(this WebApplicationBuilder builder)
    {
        _ = MeterFilter.Value;
        builder.Services.AddOptions<ObservabilityOptions>().BindConfiguration(ObservabilityOptions.Section);
        var options = builder.Configuration.GetSection(ObservabilityOptions.Section).Get<ObservabilityOptions>() ?? new();
        if (options.JsonLogs ?? builder.Environment.IsProduction())
        {
            // The hosting scope already holds TraceId and SpanId (of the W3C id every ProblemDetails carries as
            // traceId and every response as X-Request-Id), RequestId and RequestPath; JSON with scopes puts them
            // on every line.
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }

        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (var proxy in options.TrustedProxies)
            {
                o.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in options.TrustedNetworks)
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        builder.Services.AddExceptionHandler<DatabaseUnavailableHandler>();
        return builder;
    }

    /// <summary>First in the pipeline: client address, request id, HTTP metrics (which then see every final status).</summary>
    public static WebApplication UseKepuObservability(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.Use(async (context, next) =>
        {
            // The same value ProblemDetails carry as traceId: the W3C trace id inside it is the TraceId of every log line.
            context.Response.Headers[RequestIdHeader] = System.Diagnostics.Activity.Current?.Id ?? context.TraceIdentifier;
            // nginx's $request_id, when sent, joins the log scope so both logs can be correlated.
            var proxyId = context.Request.Headers[RequestIdHeader].ToString();
            if (proxyId.Length > 0 && SafeRequestId().IsMatch(proxyId))
            {
                using (app.Logger.BeginScope(new Dictionary<string, object> { ["ProxyRequestId"] = proxyId }))
                {
                    await next(context);
                    return;
                }
            }

            await next(context);
        });
        app.UseHttpMetrics();

        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ObservabilityOptions>>().Value;
        if (options.MetricsEnabled && string.IsNullOrEmpty(options.MetricsToken) && app.Environment.IsProduction())
        {
            app.Logger.LogWarning("/metrics is not served: in Production it needs Observability:MetricsToken");
        }
        else if (options.MetricsEnabled)
        {
            var metrics = app.MapGet("/metrics", WriteMetricsAsync).ExcludeFromDescription();
            if (!string.IsNullOrEmpty(options.MetricsToken))
            {
                var expected = SHA256.HashData(Encoding.UTF8.GetBytes(options.MetricsToken));
                metrics.AddEndpointFilter(async (context, next) =>
                {
                    var header = context.HttpContext.Request.Headers.Authorization.ToString();
                    var given = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : "";
                    return CryptographicOperations.FixedTimeEquals(expected, SHA256.HashData(Encoding.UTF8.GetBytes(given)))
                        ? await next(context)
                        : Problems.Problem(StatusCodes.Status401Unauthorized, "metrics_token", "Metrics need the scrape token",
                            "Send Authorization: Bearer <Observability:MetricsToken>.");
                });
            }
        }

        return app;
    }

    private static async Task WriteMetricsAsync(HttpContext context, NpgsqlDataSource dataSource, ILoggerFactory loggers)
    {
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            try
            {
                await RefreshQueueDepthAsync(dataSource, timeout.Token);
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
            {
                // The other metrics are still worth a scrape when the database is away; the gauges keep their last value.
                loggers.CreateLogger(typeof(ObservabilitySetup)).LogWarning("Queue depth not refreshed: {Error}", e.Message);
            }
        }

        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
    }

    private const string QueueTablesSql = """
        SELECT to_regclass('public.deliveries') IS NOT NULL AS deliveries, to_regclass('hangfire.jobqueue') IS NOT NULL AS jobs
        """;

    // The partial indexes of the delivery engine cover exactly these two states, so this stays cheap.
    private const string DeliveryDepthSql = """
        SELECT status AS state, count(*) AS depth FROM deliveries WHERE status IN ('pending', 'sending') GROUP BY status
        """;

    private const string JobDepthSql = """
        SELECT queue AS state, count(*) AS depth FROM hangfire.jobqueue WHERE fetchedat IS NULL GROUP BY queue
        """;

    /// <summary>Sets <c>kepu_queue_depth</c> from the database; tables that do not exist (yet) are skipped.</summary>
    public static async Task RefreshQueueDepthAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        var tables = await conn.QuerySingleAsync<(bool Deliveries, bool Jobs)>(new CommandDefinition(QueueTablesSql, cancellationToken: cancellationToken));
        if (tables.Deliveries)
        {
            await SetDepthAsync(conn, "deliveries", DeliveryDepthSql, ["pending", "sending"], cancellationToken);
        }

        if (tables.Jobs)
        {
            await SetDepthAsync(conn, "jobs", JobDepthSql, ["critical", "default"], cancellationToken);
        }
    }

    private static async Task SetDepthAsync(NpgsqlConnection conn, string queue, string sql, string[] states, CancellationToken cancellationToken)
    {
        var rows = (await conn.QueryAsync<(string State, long Depth)>(new CommandDefinition(sql, cancellationToken: cancellationToken)))
            .ToDictionary(r => r.State, r => r.Depth);
        // Known states are reported as 0 when empty, so a drained queue reads 0 rather than its last value.
        foreach (var state in states.Union(rows.Keys))
        {
            KepuMetrics.QueueDepth(queue, state, rows.GetValueOrDefault(state));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$")]
    private static partial Regex SafeRequestId();
}
