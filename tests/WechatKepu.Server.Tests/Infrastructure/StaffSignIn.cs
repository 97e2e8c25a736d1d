using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using WechatKepu.Data.Staff;
using WechatKepu.Server.Features.Staff;

namespace WechatKepu.Server.Tests.Infrastructure;

/// <summary>
/// Signs a staff principal in with the real staff cookie through a test-only endpoint, for testing
/// staff APIs independently of the console's own sign-in page. Each sign-in creates its own account.
/// </summary>
public static class StaffSignIn
{
    public const string Path = "/__test/staff-sign-in";

    /// <summary>Adds the test-only sign-in endpoint; call from <see cref="KepuApp"/>'s Configure override.</summary>
    public static void AddTestSignIn(this IWebHostBuilder builder) =>
        builder.ConfigureServices(s => s.AddSingleton<IStartupFilter, Filter>());

    /// <summary>
    /// A client carrying the staff cookie of a member with <paramref name="role"/> (and optional unit) and,
    /// unless <paramref name="antiforgery"/> is false, a valid antiforgery token for writes.
    /// </summary>
    public static async Task<HttpClient> StaffClientAsync(this KepuApp app, string role, string? unit = null, string name = "测试员", bool antiforgery = true)
    {
        var client = app.Factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions
        {
            HandleCookies = true,
            // https: in Production staff cookies are https-only (TestServer takes the scheme from the address).
            BaseAddress = new Uri("https://localhost"),
        });
        var response = await client.PostAsync($"{Path}?role={Uri.EscapeDataString(role)}&unit={Uri.EscapeDataString(unit ?? "")}&name={Uri.EscapeDataString(name)}", null);
        response.EnsureSuccessStatusCode();
        if (antiforgery)
        {
            await client.UseAntiforgeryAsync();
        }

        return client;
    }

    /// <summary>Fetches an antiforgery token (bound to whoever is signed in now) into the X-CSRF-TOKEN header.</summary>
    public static async Task UseAntiforgeryAsync(this HttpClient client)
    {
        var json = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement>(client, "/api/console/antiforgery");
        client.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");
        client.DefaultRequestHeaders.Add("X-CSRF-TOKEN", json.GetProperty("token").GetString());
    }

    private sealed class Filter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Map(Path, branch => branch.Run(async http =>
            {
                // A real account (the cookie is checked against it on every request), named at random.
                var q = http.Request.Query;
                var store = http.RequestServices.GetRequiredService<StaffStore>();
                var unit = string.IsNullOrEmpty(q["unit"]) ? null : q["unit"].ToString();
                var username = "t." + Guid.NewGuid().ToString("N")[..16];
                var id = await store.CreateAsync(new NewStaffAccount(username, q["name"].ToString(), q["role"].ToString(), unit, "not-a-hash", null), http.RequestAborted);
                var account = await store.GetAsync(id!.Value, http.RequestAborted);

                // Map() moved the path into PathBase, and the cookie's path defaults to PathBase: issue it for the whole site.
                http.Request.PathBase = PathString.Empty;
                await http.SignInAsync(StaffPolicies.Scheme, StaffAuth.Principal(account!));
            }));
            next(app);
        };
    }
}
