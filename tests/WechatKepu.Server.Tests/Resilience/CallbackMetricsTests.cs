using WechatKepu.Server.Tests.Callback;
using WechatKepu.Simulator.Platform;

namespace WechatKepu.Server.Tests.Resilience;

/// <summary>The callback records its latency by message kind and outcome through <c>KepuMetrics</c>.</summary>
public sealed class CallbackMetricsTests(CallbackApp app) : IClassFixture<CallbackApp>
{
    [Fact]
    public async Task A_handled_callback_shows_up_in_the_latency_histogram()
    {
        using var platform = app.Platform();
        await platform.PostAsync(platform.Text("o-metrics", "你好"), CallbackMode.Safe);
        await platform.PostAsync(PlatformMessages.Subscribe(platform.Account.OriginalId, "o-metrics", app.Clock.GetUtcNow().ToUnixTimeSeconds()), CallbackMode.Safe);

        using var client = app.CreateClient();
        var text = await client.GetStringAsync("/metrics");
        Assert.Matches("kepu_callback_duration_seconds_count\\{kind=\"text\",outcome=\"(replied|no_reply)\"\\} [1-9]", text);
        Assert.Matches("kepu_callback_duration_seconds_count\\{kind=\"event:subscribe\",outcome=\"(replied|no_reply)\"\\} [1-9]", text);
    }

    [Fact]
    public async Task Refused_callbacks_are_counted_by_their_problem_code_instead_of_in_the_http_metrics()
    {
        using var platform = app.Platform();
        using var wrong = app.Platform(token: "not-the-token");
        var (status, _) = await wrong.SendAsync(wrong.Sign(wrong.Text("o-metrics", "你好"), CallbackMode.Safe));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, status);
        await platform.PostAsync(platform.Text("o-metrics", "你好"), CallbackMode.Plaintext);

        using var client = app.CreateClient();
        (await client.GetAsync("/livez")).EnsureSuccessStatusCode();
        var text = await client.GetStringAsync("/metrics");
        Assert.Matches("kepu_callback_duration_seconds_count\\{kind=\"refused\",outcome=\"callback_signature_invalid\"\\} [1-9]", text);

        // The callback route is direct: the HTTP histograms (which still count the other endpoints) leave it out.
        Assert.Contains("endpoint=\"/livez\"", text);
        Assert.DoesNotContain("endpoint=\"/wechat/{appId}\"", text);
    }
}
