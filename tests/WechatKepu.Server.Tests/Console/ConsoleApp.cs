using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Console;

/// <summary>The server with the test staff sign-in and one official account configured in the simulator.</summary>
public class ConsoleApp : KepuApp
{
    public const string OaAppId = "wxoatest000000001";
    public const string OaSecret = "oa-test-secret";
    public const string OaToken = "oatoken";
    public const string Unit = "柳州科技馆";            // an organiser unit of activity 5.1.2
    public const string OtherUnit = "柳州市气象局";

    protected override void Configure(IWebHostBuilder builder)
    {
        builder.AddTestSignIn();
        builder.UseSetting("Wechat:OfficialAccounts:0:AppId", OaAppId);
        builder.UseSetting("Wechat:OfficialAccounts:0:AppSecret", OaSecret);
        builder.UseSetting("Wechat:OfficialAccounts:0:Token", OaToken);
        builder.UseSetting("Wechat:OfficialAccounts:0:Name", "柳州科协");
        Wechat.AddAccount(OaAppId, OaSecret);
    }

    /// <summary>A staff client (test cookie) that also carries a valid antiforgery token for writes.</summary>
    public async Task<HttpClient> StaffAsync(string role, string? unit = Unit)
    {
        return await this.StaffClientAsync(role, unit);
    }

    /// <summary>A client with cookies but nobody signed in.</summary>
    public HttpClient Anonymous() => Factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, BaseAddress = new Uri("https://localhost") });

    public async Task<long> ActivityIdAsync(string code = "5.1.2") => (await ScalarAsync<long?>($"SELECT id FROM activities WHERE code = '{code}'"))!.Value;
}

public static class ConsoleHttp
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    public static object Session(DateTimeOffset starts, int capacity = 2, int waitlist = 5, string title = "控制台场次") => new
    {
        title,
        startsAt = starts,
        endsAt = starts.AddHours(2),
        venue = "柳州科技馆一楼",
        capacity,
        waitlistCapacity = waitlist,
        signupOpensAt = starts.AddDays(-20),
        signupClosesAt = starts.AddHours(-2),
        cancelDeadline = starts.AddDays(-1),
        minGrade = 1,
        maxGrade = 9,
    };
}
