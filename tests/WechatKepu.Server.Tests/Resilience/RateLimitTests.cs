using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using WechatKepu.Server.Infrastructure;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Resilience;

/// <summary>
/// Limits on, and small, with the client address taken from a test header (TestServer has none);
/// without the header every request comes from an address of its own.
/// </summary>
public sealed class RateLimitedApp : KepuApp
{
    public const string IpHeader = "X-Test-Client-Ip";

    protected override void Configure(IWebHostBuilder builder)
    {
        builder.UseSetting("RateLimiting:Enabled", "true");
        builder.UseSetting("RateLimiting:Policies:login:PermitLimit", "3");
        builder.UseSetting("RateLimiting:Policies:login:WindowSeconds", "3600");
        builder.UseSetting("RateLimiting:Policies:signup:PermitLimit", "2");
        builder.UseSetting("RateLimiting:Policies:signup:WindowSeconds", "3600");
        builder.UseSetting("RateLimiting:Policies:staff-login:PermitLimit", "3");
        builder.UseSetting("RateLimiting:Policies:staff-login:WindowSeconds", "3600");
        builder.ConfigureServices(s => s.AddSingleton<IStartupFilter, ClientIpFilter>());
    }

    private sealed class ClientIpFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = context.Request.Headers[IpHeader].FirstOrDefault() is { } ip
                    ? IPAddress.Parse(ip)
                    : new IPAddress(Guid.NewGuid().ToByteArray());
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

public sealed class RateLimitTests(RateLimitedApp app) : IClassFixture<RateLimitedApp>
{
    private async Task<HttpResponseMessage> LoginAsync(string ip)
    {
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Add(RateLimitedApp.IpHeader, ip);
        return await client.PostAsJsonAsync("/api/mp/login", new { code = app.Wechat.IssueLoginCode("o-rl-" + Guid.NewGuid().ToString("N")[..20], KepuApp.MpAppId) });
    }

    [Fact]
    public async Task Login_is_limited_per_client_ip_with_a_chinese_429_and_retry_after()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await LoginAsync("198.51.100.7")).StatusCode);
        }

        var refused = await LoginAsync("198.51.100.7");
        var problem = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.Equal("操作太频繁", problem.GetProperty("title").GetString());
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 3600);

        // Another address is not affected.
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync("198.51.100.8")).StatusCode);
    }

    /// <summary>
    /// The limits travel with the endpoints (metadata where they are mapped): each sensitive endpoint carries its
    /// policy, however its route is spelt, and nothing else is limited.
    /// </summary>
    [Fact]
    public void Each_sensitive_endpoint_carries_its_policy()
    {
        var limited = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<RateLimited>() is not null)
            .Select(e => (
                Method: string.Join(",", e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []),
                Route: "/" + e.RoutePattern.RawText!.TrimStart('/'),
                Limit: e.Metadata.GetMetadata<RateLimited>()!))
            .OrderBy(e => e.Route, StringComparer.Ordinal)
            .ToList();

        Assert.Equal(
        [
            ("POST", "/api/console/login", new RateLimited(RateLimitPolicies.StaffLogin, PartitionBy.ClientIp)),
            ("POST", "/api/mp/login", new RateLimited(RateLimitPolicies.Login, PartitionBy.ClientIp)),
            ("POST", "/api/mp/sessions/{id:long}/signups", new RateLimited(RateLimitPolicies.Signup, PartitionBy.MpUser)),
        ], limited);
    }

    [Fact]
    public async Task Staff_sign_in_is_limited_per_client_ip_across_usernames()
    {
        using var browser = app.Factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = true });
        browser.DefaultRequestHeaders.Add(RateLimitedApp.IpHeader, "198.51.100.20");
        await browser.UseAntiforgeryAsync();
        for (var i = 0; i < 3; i++)
        {
            await ProblemAssert.IsProblemAsync(await browser.PostAsJsonAsync("/api/console/login", new { username = $"guess{i}", password = "wrong-pass" }),
                HttpStatusCode.Unauthorized, "bad_credentials");
        }

        await ProblemAssert.IsProblemAsync(await browser.PostAsJsonAsync("/api/console/login", new { username = "guess9", password = "wrong-pass" }),
            HttpStatusCode.TooManyRequests, "rate_limited");
        browser.DefaultRequestHeaders.Remove(RateLimitedApp.IpHeader);
        browser.DefaultRequestHeaders.Add(RateLimitedApp.IpHeader, "198.51.100.21");
        await ProblemAssert.IsProblemAsync(await browser.PostAsJsonAsync("/api/console/login", new { username = "guess9", password = "wrong-pass" }),
            HttpStatusCode.Unauthorized, "bad_credentials");
    }

    [Fact]
    public async Task Refused_login_does_not_reach_wechat_or_write_a_session()
    {
        for (var i = 0; i < 3; i++)
        {
            await LoginAsync("203.0.113.50");
        }

        var sessions = await app.ScalarAsync<long>("SELECT count(*) FROM mp_login_sessions");
        var calls = app.Wechat.CallsTo("/sns/jscode2session").Count;
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync("203.0.113.50")).StatusCode);
        Assert.Equal(sessions, await app.ScalarAsync<long>("SELECT count(*) FROM mp_login_sessions"));
        Assert.Equal(calls, app.Wechat.CallsTo("/sns/jscode2session").Count);
    }

    [Fact]
    public async Task Signup_is_limited_per_parent_not_per_address()
    {
        // Two parents behind the same address (one campus network): each has their own allowance.
        var (first, firstChildren) = await Parent.ReadyAsync(app);
        var (second, secondChildren) = await Parent.ReadyAsync(app);
        first.Http.DefaultRequestHeaders.Add(RateLimitedApp.IpHeader, "198.51.100.99");
        second.Http.DefaultRequestHeaders.Add(RateLimitedApp.IpHeader, "198.51.100.99");

        var sessions = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            sessions.Add(await Sessions.CreateAsync(app, capacity: 10, waitlist: 0));
        }

        Assert.Equal(HttpStatusCode.Created, (await first.SignUpAsync(sessions[0], firstChildren[0].Id)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await first.SignUpAsync(sessions[1], firstChildren[0].Id)).StatusCode);
        var signups = await app.ScalarAsync<long>("SELECT count(*) FROM signups");
        var refused = await first.SignUpAsync(sessions[2], firstChildren[0].Id);
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(signups, await app.ScalarAsync<long>("SELECT count(*) FROM signups"));

        Assert.Equal(HttpStatusCode.Created, (await second.SignUpAsync(sessions[2], secondChildren[0].Id)).StatusCode);
    }

    [Fact]
    public async Task Unlimited_endpoints_are_not_limited()
    {
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Add(RateLimitedApp.IpHeader, "198.51.100.30");
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/activities?pageSize=1")).StatusCode);
        }
    }
}
