using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Dapper;
using WechatKepu.Server.Features.MiniProgram;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.MiniProgram;

public sealed class MpConcurrencyTests(KepuApp app) : IClassFixture<KepuApp>
{
    /// <summary>Parents ready to sign up (login through the simulator, profile, consent, one child).</summary>
    private async Task<List<(HttpClient Http, long ChildId)>> ParentsAsync(int count)
    {
        var parents = new List<(HttpClient, long)>(count);
        foreach (var chunk in Enumerable.Range(0, count).Chunk(25))
        {
            parents.AddRange(await Task.WhenAll(chunk.Select(async _ =>
            {
                var (parent, kids) = await Parent.ReadyAsync(app);
                return (parent.Http, kids[0].Id);
            })));
        }

        return parents;
    }

    [Fact]
    public async Task Five_hundred_parallel_signups_for_fifty_places_never_overbook()
    {
        var session = await Sessions.CreateAsync(app, capacity: 50, waitlist: 100);
        var parents = await ParentsAsync(500);

        using var start = new SemaphoreSlim(0);
        var tasks = parents.Select(async p =>
        {
            await start.WaitAsync();
            var response = await p.Http.PostAsJsonAsync($"/api/mp/sessions/{session}/signups", new { childIds = new[] { p.ChildId } });
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }).ToList();
        start.Release(parents.Count);
        var results = await Task.WhenAll(tasks);

        Assert.All(results, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, r.Body));
        var outcomes = results.Where(r => r.StatusCode == HttpStatusCode.Created)
            .Select(r => System.Text.Json.JsonSerializer.Deserialize<SignupOutcomeDto>(r.Body, KepuApp.Json)!).ToList();
        Assert.Equal(50, outcomes.Count(o => o.Outcome == "confirmed"));
        var waitlisted = outcomes.Where(o => o.Outcome == "waitlisted").ToList();
        Assert.Equal(100, waitlisted.Count);
        Assert.Equal(Enumerable.Range(1, 100), waitlisted.Select(o => o.Signups[0].WaitlistPosition!.Value).Order());
        Assert.Equal(350, results.Count(r => r.StatusCode == HttpStatusCode.Conflict && r.Body.Contains("session_full")));

        await using var conn = await app.OpenAsync();
        var totals = await conn.QuerySingleAsync<(int Confirmed, int Waitlist, long Rows, long ConfirmedRows, long WaitRows)>($"""
            SELECT s.confirmed_count, s.waitlist_count,
                   (SELECT count(*) FROM signups WHERE session_id = s.id),
                   (SELECT count(*) FROM signups WHERE session_id = s.id AND status = 'confirmed'),
                   (SELECT count(*) FROM signups WHERE session_id = s.id AND status = 'waitlisted')
            FROM sessions s WHERE s.id = {session}
            """);
        Assert.Equal((50, 100, 150L, 50L, 100L), totals);

        // The waiting list is served in order when places free up.
        var firstWaiting = waitlisted.OrderBy(o => o.Signups[0].WaitlistPosition).First().Signups[0];
        var confirmedOwner = parents[results.Select((r, i) => (r, i)).First(x => x.r.Body.Contains("\"outcome\":\"confirmed\"")).i];
        var confirmedId = System.Text.Json.JsonSerializer.Deserialize<SignupOutcomeDto>(
            results.First(r => r.Body.Contains("\"outcome\":\"confirmed\"")).Body, KepuApp.Json)!.Signups[0].Id;
        Assert.Equal(HttpStatusCode.OK, (await confirmedOwner.Http.DeleteAsync($"/api/mp/signups/{confirmedId}")).StatusCode);
        Assert.Equal("confirmed", await conn.ExecuteScalarAsync<string>($"SELECT status FROM signups WHERE id = {firstWaiting.Id}"));
    }
}
