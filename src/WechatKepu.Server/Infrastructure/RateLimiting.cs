using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Prometheus;
using WechatKepu.Server.Features.MiniProgram;

namespace WechatKepu.Server.Infrastructure;

public sealed class RateLimitRule
{
    [Range(1, 1_000_000)]
    public int PermitLimit { get; set; }

    [Range(1, 86_400)]
    public int WindowSeconds { get; set; } = 60;
}

public sealed class RateLimitingOptions
{
    public const string Section = "RateLimiting";

    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Requests allowed per window, per policy. Login is per client IP and generous: parents on mobile
    /// networks share carrier-grade NAT addresses. Sign-up is per parent. Staff sign-in is per client IP,
    /// on top of the per-account lockout: it slows one address guessing across many accounts.
    /// </summary>
    public Dictionary<string, RateLimitRule> Policies { get; set; } = new(StringComparer.Ordinal)
    {
        ["login"] = new() { PermitLimit = 60, WindowSeconds = 60 },
        ["signup"] = new() { PermitLimit = 20, WindowSeconds = 60 },
        ["staff-login"] = new() { PermitLimit = 20, WindowSeconds = 300 },
    };
}

/// <summary>How a limited endpoint's callers are told apart.</summary>
public enum PartitionBy
{
    ClientIp,

    /// <summary>The mini-program parent (user id) from the bearer token; unauthenticated callers by IP.</summary>
    MpUser,
}

/// <summary>The policies of <c>RateLimiting:Policies</c> an endpoint can name.</summary>
public static class RateLimitPolicies
{
    public const string Login = "login";
    public const string Signup = "signup";
    public const string StaffLogin = "staff-login";

    public static readonly string[] All = [Login, Signup, StaffLogin];
}

/// <summary>Endpoint metadata: the endpoint is limited by <paramref name="Policy"/>, its callers told apart by <paramref name="PartitionBy"/>.</summary>
public sealed record RateLimited(string Policy, PartitionBy PartitionBy);

/// <summary>
/// Fixed-window limits on the endpoints that cost the most or invite abuse, answered with a 429
/// ProblemDetails in Chinese and <c>Retry-After</c>. An endpoint is limited where it is mapped
/// (<see cref="RequireKepuRateLimit{TBuilder}"/>, metadata that follows it through any rename).
/// </summary>
public static class RateLimitingSetup
{
    /// <summary>Limits the endpoint (or group) by <paramref name="policy"/> (<see cref="RateLimitPolicies"/>).</summary>
    public static TBuilder RequireKepuRateLimit<TBuilder>(this TBuilder builder, string policy, PartitionBy partitionBy)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RateLimited(policy, partitionBy));

    private const string PartitionItem = "kepu.rate-limit.partition";

    private static readonly Counter Rejected = Metrics.CreateCounter(
        "kepu_rate_limited_total", "Requests refused with 429 by our own limits, by policy.", new CounterConfiguration { LabelNames = ["policy"] });

    public static IServiceCollection AddKepuRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitingOptions>().BindConfiguration(RateLimitingOptions.Section)
            .Validate(o => o.Policies.Values.All(r => r.PermitLimit is >= 1 and <= 1_000_000 && r.WindowSeconds is >= 1 and <= 86_400),
                "RateLimiting:Policies: PermitLimit 1..1000000, WindowSeconds 1..86400")
            .Validate(o => RateLimitPolicies.All.All(o.Policies.ContainsKey), "RateLimiting:Policies: login, signup and staff-login must all be set")
            .ValidateOnStart();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitingOptions>>((o, kepu) =>
        {
            var policies = kepu.Value.Policies;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                context.Items[PartitionItem] is (string policy, string key)
                    ? RateLimitPartition.GetFixedWindowLimiter(policy + "|" + key, _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = policies[policy].PermitLimit,
                        Window = TimeSpan.FromSeconds(policies[policy].WindowSeconds),
                        QueueLimit = 0,
                    })
                    : RateLimitPartition.GetNoLimiter(""));
            o.OnRejected = RejectAsync;
        });
        return services;
    }

    /// <summary>After authentication (a parent is limited by user id), before authorization and the endpoint.</summary>
    public static WebApplication UseKepuRateLimiting(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<RateLimitingOptions>>().Value.Enabled)
        {
            return app;
        }

        app.Use(async (context, next) =>
        {
            // The partition is worked out here, not in a named policy: a parent's key needs an async authentication.
            if (context.GetEndpoint()?.Metadata.GetMetadata<RateLimited>() is { } limited)
            {
                context.Items[PartitionItem] = (limited.Policy, await PartitionKeyAsync(context, limited.PartitionBy));
            }

            await next(context);
        });
        app.UseRateLimiter();
        return app;
    }

    private static async Task<string> PartitionKeyAsync(HttpContext context, PartitionBy partitionBy)
    {
        if (partitionBy == PartitionBy.MpUser)
        {
            // The handler caches its result for the request, so authorization does not look the token up again.
            var result = await context.AuthenticateAsync(MpAuthentication.SchemeName);
            if (result.Principal?.FindFirst(ClaimTypes.NameIdentifier)?.Value is { } userId)
            {
                return "u:" + userId;
            }
        }

        return "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var policy = context.Items[PartitionItem] is (string p, string) ? p : "global";
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 60;
        Rejected.WithLabels(policy).Inc();
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Type = Problems.TypeBase + "rate-limited",
                Title = "操作太频繁",
                Detail = $"请 {seconds} 秒后再试。",
                Extensions = { ["code"] = "rate_limited", ["retryAfterSeconds"] = seconds },
            },
        });
    }
}
