using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using WechatKepu.Server.Features.MiniProgram;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.MiniProgram;

public sealed class MpLoginTests(KepuApp app) : IClassFixture<KepuApp>
{
    private async Task<HttpResponseMessage> LoginAsync(object body)
    {
        using var http = app.CreateClient();
        return await http.PostAsJsonAsync("/api/mp/login", body);
    }

    [Fact]
    public async Task Login_returns_a_session_token_and_never_the_session_key()
    {
        var code = app.Wechat.IssueLoginCode("o-login-1", KepuApp.MpAppId);
        var response = await LoginAsync(new { code });
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("session_key", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("sessionKey", body, StringComparison.OrdinalIgnoreCase);
        var login = System.Text.Json.JsonSerializer.Deserialize<LoginResponse>(body, KepuApp.Json)!;
        Assert.False(login.HasProfile);
        Assert.False(login.HasConsent);
        Assert.True(login.ExpiresAt > app.Clock.GetUtcNow().AddDays(29));
        // Only the hash is stored.
        Assert.Equal(0L, await app.ScalarAsync<long>(
            $"SELECT count(*) FROM mp_login_sessions WHERE encode(token_hash, 'escape') LIKE '%{login.Token[..10]}%'"));
    }

    [Fact]
    public async Task A_code_gives_its_token_once_and_a_replay_gets_nothing()
    {
        var code = app.Wechat.IssueLoginCode("o-login-2000000000000000000", KepuApp.MpAppId);
        var first = await (await LoginAsync(new { code })).Content.ReadFromJsonAsync<LoginResponse>(KepuApp.Json);
        Assert.False(string.IsNullOrEmpty(first!.Token));
        // Replayed at once (well within the code's five minutes), and several times in parallel.
        var replays = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => LoginAsync(new { code })));
        foreach (var replay in replays)
        {
            await ProblemAssert.IsProblemAsync(replay, HttpStatusCode.BadRequest, "login_code_invalid");
        }
    }

    [Fact]
    public async Task Parallel_logins_with_one_fresh_code_give_out_one_token()
    {
        var code = app.Wechat.IssueLoginCode("o-login-3000000000000000000", KepuApp.MpAppId);
        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => LoginAsync(new { code })));
        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.Equal(4, answers.Count(a => a.StatusCode == HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task Log_out_on_this_device_ends_that_token_only()
    {
        var phone = await Parent.LoginAsync(app, "o-logout-00000000000000000001");
        Assert.Equal(HttpStatusCode.OK, (await phone.Http.GetAsync("/api/mp/me")).StatusCode);
        var tablet = await Parent.LoginAsync(app, "o-logout-00000000000000000001");

        Assert.Equal(HttpStatusCode.NoContent, (await phone.Http.PostAsync("/api/mp/logout", null)).StatusCode);
        await ProblemAssert.IsProblemAsync(await phone.Http.GetAsync("/api/mp/me"), HttpStatusCode.Unauthorized, "session_expired");
        await ProblemAssert.IsProblemAsync(await phone.Http.PostAsync("/api/mp/logout", null), HttpStatusCode.Unauthorized, "session_expired");
        Assert.Equal(HttpStatusCode.OK, (await tablet.Http.GetAsync("/api/mp/me")).StatusCode);

        using var anonymous = app.CreateClient();
        await ProblemAssert.IsProblemAsync(await anonymous.PostAsync("/api/mp/logout", null), HttpStatusCode.Unauthorized, "session_expired");
    }

    [Fact]
    public async Task Unknown_code_is_a_clear_400()
    {
        var json = await ProblemAssert.IsProblemAsync(await LoginAsync(new { code = "never-issued" }), HttpStatusCode.BadRequest, "login_code_invalid");
        Assert.Contains("重新进入小程序", json.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"code\":\"\"}")]
    [InlineData("{\"code\":\"   \"}")]
    [InlineData("{\"code\":\"has space\"}")]
    public async Task Missing_or_malformed_code_is_a_400_naming_code(string body)
    {
        using var http = app.CreateClient();
        var response = await http.PostAsync("/api/mp/login", new StringContent(body, Encoding.UTF8, "application/json"));
        await ProblemAssert.NamesParameterAsync(response, "code");
    }

    [Fact]
    public async Task Overlong_code_is_a_400_naming_code() =>
        await ProblemAssert.NamesParameterAsync(await LoginAsync(new { code = new string('x', 129) }), "code");

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"code\": 12")]
    [InlineData("{\"code\": 12}")]
    [InlineData("[]")]
    public async Task Malformed_json_is_a_400_not_a_500(string body)
    {
        using var http = app.CreateClient();
        var response = await http.PostAsync("/api/mp/login", new StringContent(body, Encoding.UTF8, "application/json"));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task WeChat_busy_is_a_503_and_rate_limit_a_429()
    {
        app.Wechat.Faults.FailNext(1, -1, "/sns/jscode2session");
        await ProblemAssert.IsProblemAsync(await LoginAsync(new { code = app.Wechat.IssueLoginCode("o-busy", KepuApp.MpAppId) }),
            HttpStatusCode.ServiceUnavailable, "wechat_unavailable");
        app.Wechat.Faults.FailNext(1, 45011, "/sns/jscode2session");
        await ProblemAssert.IsProblemAsync(await LoginAsync(new { code = app.Wechat.IssueLoginCode("o-busy2", KepuApp.MpAppId) }),
            (HttpStatusCode)429, "login_rate_limited");
    }

    [Fact]
    public async Task A_high_risk_user_is_a_403_not_a_try_later()
    {
        app.Wechat.Faults.FailNext(1, 40226, "/sns/jscode2session");
        var problem = await ProblemAssert.IsProblemAsync(await LoginAsync(new { code = app.Wechat.IssueLoginCode("o-risky", KepuApp.MpAppId) }),
            HttpStatusCode.Forbidden, "login_user_blocked");
        Assert.Contains("重试不会改变结果", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Calls_without_a_valid_token_are_401_with_a_chinese_message()
    {
        using var http = app.CreateClient();
        var none = await ProblemAssert.IsProblemAsync(await http.GetAsync("/api/mp/me"), HttpStatusCode.Unauthorized, "session_expired");
        Assert.Equal("登录已过期", none.GetProperty("title").GetString());
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "forged-token");
        await ProblemAssert.IsProblemAsync(await http.GetAsync("/api/mp/me"), HttpStatusCode.Unauthorized, "session_expired");
    }

    [Fact]
    public async Task A_session_expires_after_its_lifetime_unless_used()
    {
        var parent = await Parent.LoginAsync(app);
        app.Clock.Advance(TimeSpan.FromDays(20));
        Assert.Equal(HttpStatusCode.OK, (await parent.Http.GetAsync("/api/mp/me")).StatusCode); // slides to day 50
        app.Clock.Advance(TimeSpan.FromDays(25));
        Assert.Equal(HttpStatusCode.OK, (await parent.Http.GetAsync("/api/mp/me")).StatusCode);
        app.Clock.Advance(TimeSpan.FromDays(31));
        await ProblemAssert.IsProblemAsync(await parent.Http.GetAsync("/api/mp/me"), HttpStatusCode.Unauthorized, "session_expired");
    }
}

/// <summary>A deployment without a mini-program configured answers login with a clear 503, never a 500.</summary>
public sealed class UnconfiguredMiniProgramApp : KepuApp
{
    protected override void Configure(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        builder.UseSetting("Wechat:MiniProgram:AppId", "");
        builder.UseSetting("Wechat:MiniProgram:AppSecret", "");
    }
}

public sealed class MpLoginUnconfiguredTests(UnconfiguredMiniProgramApp app) : IClassFixture<UnconfiguredMiniProgramApp>
{
    [Fact]
    public async Task Login_without_a_configured_mini_program_is_a_503()
    {
        using var http = app.CreateClient();
        var response = await http.PostAsJsonAsync("/api/mp/login", new { code = "any-code" });
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "wechat_unavailable");
    }
}
