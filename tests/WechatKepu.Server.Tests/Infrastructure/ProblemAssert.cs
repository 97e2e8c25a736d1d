using System.Net;
using System.Text.Json;

namespace WechatKepu.Server.Tests.Infrastructure;

public static class ProblemAssert
{
    /// <summary>Asserts a ProblemDetails answer with <paramref name="status"/> and returns its JSON.</summary>
    public static async Task<JsonElement> IsProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? code = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(body).RootElement;
        if (code is not null)
        {
            Assert.Equal(code, json.GetProperty("code").GetString());
        }

        return json;
    }

    /// <summary>Asserts a 404 ProblemDetails with <paramref name="code"/> whose title and detail are in Chinese (a parent or staff member reads them).</summary>
    public static async Task IsChineseNotFoundAsync(HttpResponseMessage response, string code)
    {
        var json = await IsProblemAsync(response, HttpStatusCode.NotFound, code);
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", json.GetProperty("title").GetString());
        if (json.TryGetProperty("detail", out var detail))
        {
            Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", detail.GetString());
        }
    }

    /// <summary>Asserts a 400 validation problem whose errors name <paramref name="parameter"/>.</summary>
    public static async Task NamesParameterAsync(HttpResponseMessage response, string parameter)
    {
        var json = await IsProblemAsync(response, HttpStatusCode.BadRequest, "validation");
        Assert.True(json.GetProperty("errors").TryGetProperty(parameter, out var messages), $"errors should name {parameter}: {json}");
        Assert.NotEmpty(messages.EnumerateArray());
    }
}
