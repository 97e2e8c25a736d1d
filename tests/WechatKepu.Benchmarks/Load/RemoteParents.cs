using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using WechatKepu.Simulator;

namespace WechatKepu.Benchmarks.Load;

/// <summary>A mini-program parent ready to sign up on a backend running as its own process: its token and child.</summary>
public sealed record RemoteParent(string Token, long ChildId);

/// <summary>
/// Parents and sessions for load tests and multi-process tests: login through the simulator's wx.login
/// codes, guardian, consent and one child over HTTP, and sign-ups with the bearer token.
/// </summary>
public static class RemoteParents
{
    /// <summary>Prepares <paramref name="count"/> parents; parent i talks to <c>instances[i % n]</c>.</summary>
    public static async Task<RemoteParent[]> PrepareAsync(
        IReadOnlyList<HttpClient> instances, WechatSimulator wechat, string appId, int count, string prefix = "o-load", int parallelism = 32)
    {
        var ready = new RemoteParent[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (i, ct) =>
        {
            var http = instances[i % instances.Count];
            var code = wechat.IssueLoginCode($"{prefix}-{i}", appId);
            using var loginResponse = await http.PostAsJsonAsync("/api/mp/login", new { code }, ct);
            loginResponse.EnsureSuccessStatusCode();
            var token = (await loginResponse.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("token").GetString()!;
            await SendAsync(http, token, HttpMethod.Put, "/api/mp/me/guardian", new { name = $"家长{i}", phone = $"138{i:D8}" }, ct);
            await SendAsync(http, token, HttpMethod.Post, "/api/mp/me/consent", new { privacyNoticeVersion = "2024-09", agreed = true }, ct);
            using var child = await SendAsync(http, token, HttpMethod.Post, "/api/mp/children", new { name = $"孩子{i}", grade = "三年级", school = "柳州市东环路小学" }, ct);
            ready[i] = new RemoteParent(token, (await child.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetInt64());
        });
        return ready;
    }

    /// <summary>POST /api/mp/sessions/{id}/signups for the parent's child; the caller reads the answer.</summary>
    public static async Task<HttpResponseMessage> SignUpAsync(HttpClient http, RemoteParent parent, long sessionId, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/mp/sessions/{sessionId}/signups")
        {
            Content = JsonContent.Create(new { childIds = new[] { parent.ChildId } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", parent.Token);
        return await http.SendAsync(request, ct);
    }

    /// <summary>A session of activity 5.1.2 open for sign-up now, starting in ten days.</summary>
    public static async Task<long> CreateSessionAsync(string connectionString, int capacity, int waitlist)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO sessions (activity_id, title, starts_at, ends_at, venue, capacity, waitlist_capacity,
                                  signup_opens_at, signup_closes_at, cancel_deadline)
            SELECT id, '压测场次', now() + interval '10 days', now() + interval '10 days 2 hours', '柳州科技馆', $1, $2,
                   now() - interval '1 day', now() + interval '9 days', now() + interval '9 days'
            FROM activities WHERE code = '5.1.2' RETURNING id
            """, conn);
        cmd.Parameters.AddWithValue(capacity);
        cmd.Parameters.AddWithValue(waitlist);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string token, HttpMethod method, string url, object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, url) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        return response;
    }
}
