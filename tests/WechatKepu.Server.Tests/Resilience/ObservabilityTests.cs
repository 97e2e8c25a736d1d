using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WechatKepu.Server.Tests.Infrastructure;
using KepuMetrics = WechatKepu.Server.Infrastructure.KepuMetrics;

namespace WechatKepu.Server.Tests.Resilience;

public sealed class ObservabilityTests(KepuApp app) : IClassFixture<KepuApp>
{
    [Fact]
    public async Task Readiness_checks_database_migrations_and_job_storage()
    {
        using var client = app.CreateClient();
        var response = await client.GetAsync("/readyz");
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ready", json.GetProperty("status").GetString());
        var checks = json.GetProperty("checks");
        Assert.Equal("ok", checks.GetProperty("database").GetString());
        Assert.Equal("ok", checks.GetProperty("migrations").GetString());
        Assert.StartsWith("ok", checks.GetProperty("jobs").GetString());
        Assert.Equal("running", checks.GetProperty("instance").GetString());
    }

    [Fact]
    public async Task Liveness_answers_without_the_database()
    {
        using var client = app.CreateClient();
        Assert.Equal("alive", await client.GetStringAsync("/livez"));
    }

    [Fact]
    public async Task Every_response_carries_its_request_id_and_problems_repeat_it()
    {
        using var client = app.CreateClient();
        var response = await client.GetAsync("/api/activities/abc");
        var id = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(id, problem.GetProperty("traceId").GetString());
    }

    [Fact]
    public async Task Metrics_are_in_prometheus_text_format_with_routes_signups_and_queue_depth()
    {
        var (parent, children) = await Parent.ReadyAsync(app);
        var session = await Sessions.CreateAsync(app, capacity: 1, waitlist: 0);
        await parent.SignUpOkAsync(session, children[0].Id);
        Assert.Equal(HttpStatusCode.Conflict, (await parent.SignUpAsync(session, children[0].Id)).StatusCode);

        using var client = app.CreateClient();
        var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        // Requests by route pattern (never the raw path with ids) and status.
        Assert.Contains("# TYPE http_request_duration_seconds histogram", text);
        Assert.Matches("http_requests_received_total\\{[^}]*code=\"201\"[^}]*endpoint=\"/api/mp/sessions/\\{id:long\\}/signups\"", text);
        Assert.DoesNotContain($"/api/mp/sessions/{session}/signups", text);
        Assert.Matches("kepu_signup_outcomes_total\\{outcome=\"Confirmed\"\\} [1-9]", text);
        Assert.Matches("kepu_signup_outcomes_total\\{outcome=\"AlreadySignedUp\"\\} [1-9]", text);
        Assert.Matches("kepu_queue_depth\\{queue=\"jobs\",state=\"default\"\\} 0", text);
    }

    [Fact]
    public async Task Delivery_and_callback_hooks_show_up_in_the_metrics()
    {
        KepuMetrics.Delivery("oa_template", "failed", 43004);
        KepuMetrics.Callback("text", "replied", TimeSpan.FromMilliseconds(30));
        using var client = app.CreateClient();
        var text = await client.GetStringAsync("/metrics");
        Assert.Matches("kepu_delivery_outcomes_total\\{channel=\"oa_template\",outcome=\"failed\",errcode=\"43004\"\\} [1-9]", text);
        Assert.Contains("kepu_callback_duration_seconds_bucket{kind=\"text\",outcome=\"replied\",le=\"0.05\"}", text);
    }
}
