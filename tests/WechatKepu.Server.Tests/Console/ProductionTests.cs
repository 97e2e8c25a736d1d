using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Console;

/// <summary>The server in the Production environment, with the settings Production requires.</summary>
public sealed class ProductionApp : ConsoleApp
{
    public const string MetricsToken = "scrape-token-for-tests";

    protected override void Configure(IWebHostBuilder builder)
    {
        base.Configure(builder);
        builder.UseEnvironment("Production");
        builder.UseSetting("DataProtection:KeyEncryptionKey", Convert.ToBase64String(new byte[32]));
        builder.UseSetting("Observability:MetricsToken", MetricsToken);
        builder.UseSetting("Database:MigrateOnStart", "true");
    }

    public HttpClient Client(string baseAddress) =>
        Factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri(baseAddress), HandleCookies = false });
}

public sealed class ProductionTests(ProductionApp app) : IClassFixture<ProductionApp>
{
    [Fact]
    public async Task Staff_cookies_are_https_only_even_when_the_request_came_over_http()
    {
        using var http = app.Client("http://localhost");
        var signIn = await http.PostAsync($"{StaffSignIn.Path}?role=viewer&name=x", null);
        Assert.Contains(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("kepu.staff", StringComparison.Ordinal) && c.Contains("secure", StringComparison.OrdinalIgnoreCase));
        // The antiforgery cookie cannot be set over http: the console says so instead of failing.
        await ProblemAssert.IsProblemAsync(await http.GetAsync("/api/console/antiforgery"), HttpStatusCode.BadRequest, "https_required");

        using var https = app.Client("https://localhost");
        var token = await https.GetAsync("/api/console/antiforgery");
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        Assert.Contains(token.Headers.GetValues("Set-Cookie"), c => c.StartsWith("kepu.af", StringComparison.Ordinal) && c.Contains("secure", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Metrics_need_the_scrape_token()
    {
        using var client = app.Client("https://localhost");
        await ProblemAssert.IsProblemAsync(await client.GetAsync("/metrics"), HttpStatusCode.Unauthorized, "metrics_token");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wrong-token");
        await ProblemAssert.IsProblemAsync(await client.GetAsync("/metrics"), HttpStatusCode.Unauthorized, "metrics_token");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ProductionApp.MetricsToken);
        Assert.Contains("kepu_", await (await client.GetAsync("/metrics")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_openapi_document_is_for_admins()
    {
        using var anonymous = app.Client("https://localhost");
        await ProblemAssert.IsProblemAsync(await anonymous.GetAsync("/openapi/v1.json"), HttpStatusCode.Unauthorized, "unauthenticated");
        using var viewer = await app.StaffClientAsync("viewer", antiforgery: false);
        await ProblemAssert.IsProblemAsync(await viewer.GetAsync("/openapi/v1.json"), HttpStatusCode.Forbidden, "forbidden");
        using var admin = await app.StaffClientAsync("admin", antiforgery: false);
        Assert.Contains("/api/mp/login", await (await admin.GetAsync("/openapi/v1.json")).Content.ReadAsStringAsync());
    }

    [Fact]
    public void Production_does_not_start_without_the_key_that_encrypts_the_cookie_keys()
    {
        using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Production");
            b.UseSetting("ConnectionStrings:Kepu", app.ConnectionString);
            b.UseSetting("Observability:MetricsToken", ProductionApp.MetricsToken);
        });
        var error = Assert.ThrowsAny<Exception>(() => factory.Server);
        Assert.Contains("DataProtection:KeyEncryptionKey", error.ToString(), StringComparison.Ordinal);
    }
}
