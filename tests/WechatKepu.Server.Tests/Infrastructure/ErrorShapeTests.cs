using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WechatKepu.Server.Infrastructure;
using WechatKepu.Server.Tests.Console;

namespace WechatKepu.Server.Tests.Infrastructure;

/// <summary>Issue 19.14: every 4xx, including those the framework writes itself, is a ProblemDetails with a code and Chinese text.</summary>
public sealed class ErrorShapeTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    private static async Task<(string Title, string Detail)> ChineseProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var json = await ProblemAssert.IsProblemAsync(response, status, code);
        var title = json.GetProperty("title").GetString()!;
        var detail = json.GetProperty("detail").GetString()!;
        foreach (var text in new[] { title, detail })
        {
            Assert.True(text.Any(c => c >= '\u4e00' && c <= '\u9fff'), $"not Chinese: {json}");
            Assert.DoesNotContain("Failed", text);
        }

        return (title, detail);
    }

    [Fact]
    public async Task A_wrongly_typed_json_field_is_named_in_chinese()
    {
        var (parent, _) = await Parent.ReadyAsync(app);
        var (_, detail) = await ChineseProblemAsync(
            await parent.Http.PostAsync("/api/mp/children", new StringContent("{\"name\":\"小明\",\"grade\":[1]}", Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest, "bad_request");
        Assert.Contains("grade", detail);
        await ChineseProblemAsync(await parent.Http.PostAsync("/api/mp/children", new StringContent("{\"name\":", Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest, "bad_request");
        using var staff = await app.StaffAsync("admin", unit: null);
        (_, detail) = await ChineseProblemAsync(await staff.PostAsync("/api/console/checkin", new StringContent("{\"code\":5}", Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest, "bad_request");
        Assert.Contains("code", detail);
    }

    [Fact]
    public async Task A_form_body_is_a_415_problem_with_a_code()
    {
        var (parent, _) = await Parent.ReadyAsync(app);
        var (_, detail) = await ChineseProblemAsync(
            await parent.Http.PostAsync("/api/mp/children", new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = "小明" })),
            HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Contains("JSON", detail);
    }

    [Fact]
    public async Task A_15_kb_query_is_a_414_problem_and_kestrel_lets_it_reach_the_app()
    {
        using var client = app.CreateClient();
        await ChineseProblemAsync(await client.GetAsync("/api/activities?q=" + new string('a', 15_000)), HttpStatusCode.RequestUriTooLong, "uri_too_long");
        // Behind Kestrel, a request line over its own limit never reaches the app and gets an empty 414.
        var kestrel = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;
        Assert.True(kestrel.Limits.MaxRequestLineSize > 15_000 + 100, $"MaxRequestLineSize {kestrel.Limits.MaxRequestLineSize}");
        Assert.True(Problems.MaxRequestTarget < 15_000);
        // Just under the limit still works.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/activities?district=" + new string('a', 50) + "&x=" + new string('b', 7_000))).StatusCode);
    }

    [Fact]
    public async Task Unknown_addresses_and_methods_get_chinese_problems_with_codes()
    {
        using var client = app.CreateClient();
        await ChineseProblemAsync(await client.GetAsync("/api/nothing-here"), HttpStatusCode.NotFound, "not_found");
        await ChineseProblemAsync(await client.DeleteAsync("/api/activities"), HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }
}
