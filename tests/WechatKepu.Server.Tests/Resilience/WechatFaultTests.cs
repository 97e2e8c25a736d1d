using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using WechatKepu.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WechatKepu.Server.Tests.Resilience;

/// <summary>WeChat answering slowly enough to time out after one second.</summary>
public sealed class ImpatientApp : KepuApp
{
    protected override void Configure(IWebHostBuilder builder) => builder.UseSetting("Wechat:TimeoutSeconds", "1");
}

/// <summary>
/// WeChat misbehaving (-1, 45009, 45011, timeouts, dropped connections, a random failure rate) under the
/// mini-program login, the one WeChat call of the sign-up path: every answer is a success or a 4xx/503
/// ProblemDetails, never a 500, and a failed login leaves no user or session row behind.
/// </summary>
public sealed class WechatFaultTests(ImpatientApp app, ITestOutputHelper output) : IClassFixture<ImpatientApp>
{
    private const string Path = "/sns/jscode2session";

    private async Task<(HttpStatusCode Status, string? Code)> LoginAsync(string openId)
    {
        using var client = app.CreateClient();
        var response = await client.PostAsJsonAsync("/api/mp/login", new { code = app.Wechat.IssueLoginCode(openId, KepuApp.MpAppId) });
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return (response.StatusCode, null);
        }

        var problem = await ProblemAssert.IsProblemAsync(response, response.StatusCode);
        return (response.StatusCode, problem.GetProperty("code").GetString());
    }

    private Task<long> RowsAsync(string openId) =>
        app.ScalarAsync<long>($"SELECT count(*) FROM mp_login_sessions s JOIN mp_users u ON u.id = s.user_id WHERE u.openid = '{openId}'");

    public static TheoryData<string, int?, HttpStatusCode, string> Faults => new()
    {
        { "system busy", -1, HttpStatusCode.ServiceUnavailable, "wechat_unavailable" },
        { "frequency limit", 45009, HttpStatusCode.ServiceUnavailable, "wechat_unavailable" },
        { "login rate limit", 45011, HttpStatusCode.TooManyRequests, "login_rate_limited" },
        { "dropped connection", null, HttpStatusCode.ServiceUnavailable, "wechat_unavailable" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_failed_login_is_a_clear_answer_without_rows_and_the_next_attempt_succeeds(
        string fault, int? errcode, HttpStatusCode status, string code)
    {
        var openId = "o-fault-" + Guid.NewGuid().ToString("N")[..16];
        if (errcode is { } e)
        {
            app.Wechat.Faults.FailNext(1, e, Path);
        }
        else
        {
            app.Wechat.Faults.DropNext(1, Path);
        }

        var (answered, problemCode) = await LoginAsync(openId);
        Assert.True((status, code) == (answered, problemCode), $"{fault}: {(int)answered} {problemCode}");
        Assert.Equal(0, await RowsAsync(openId));

        // The parent taps again: wx.login gives a new code, and this time WeChat answers.
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(openId)).Status);
        Assert.Equal(1, await RowsAsync(openId));
    }

    [Fact]
    public async Task A_timeout_is_a_503_without_rows()
    {
        var openId = "o-slow-" + Guid.NewGuid().ToString("N")[..16];
        app.Wechat.Faults.SetDelay(TimeSpan.FromSeconds(3), Path);
        try
        {
            var (status, code) = await LoginAsync(openId);
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "wechat_unavailable"), (status, code));
        }
        finally
        {
            app.Wechat.Faults.SetDelay(TimeSpan.Zero);
        }

        Assert.Equal(0, await RowsAsync(openId));
    }

    [Fact]
    public async Task At_a_30_percent_failure_rate_every_login_is_a_success_or_a_503_and_rows_match_successes()
    {
        app.Wechat.Faults.FailureRate = 0.3;
        try
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, Heavy.Pick(40, 400)).Select(async i =>
            {
                var openId = $"o-rate-{i}-{Guid.NewGuid():N}"[..28];
                return (openId, await LoginAsync(openId));
            }));
            var summary = answers.GroupBy(a => $"{(int)a.Item2.Status} {a.Item2.Code}").Select(g => $"{g.Key}: {g.Count()}");
            output.WriteLine(string.Join(", ", summary));
            Assert.All(answers, a => Assert.Contains(a.Item2.Status, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable }));
            Assert.Contains(answers, a => a.Item2.Status == HttpStatusCode.ServiceUnavailable);
            foreach (var (openId, (status, _)) in answers)
            {
                Assert.Equal(status == HttpStatusCode.OK ? 1 : 0, await RowsAsync(openId));
            }
        }
        finally
        {
            app.Wechat.Faults.FailureRate = 0;
        }
    }
}
