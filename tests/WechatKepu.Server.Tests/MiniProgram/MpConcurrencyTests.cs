using Microsoft.Extensions.DependencyInjection;
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

    private static async Task<(HttpStatusCode Status, string Body)[]> RaceAsync(IEnumerable<Func<Task<HttpResponseMessage>>> requests)
    {
        using var start = new SemaphoreSlim(0);
        var tasks = requests.Select(async send =>
        {
            await start.WaitAsync();
            using var response = await send();
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }).ToList();
        start.Release(tasks.Count);
        return await Task.WhenAll(tasks);
    }

    [Fact]
    public async Task A_guardian_racing_themselves_signs_a_child_up_once()
    {
        // Sign-ups of one session are decided in batches: the same child twice in one batch must still be
        // refused the second time.
        var session = await Sessions.CreateAsync(app, capacity: 50, waitlist: 0);
        var (parent, kids) = await Parent.ReadyAsync(app);
        var results = await RaceAsync(Enumerable.Range(0, 20).Select(_ => (Func<Task<HttpResponseMessage>>)(() =>
            parent.Http.PostAsJsonAsync($"/api/mp/sessions/{session}/signups", new { childIds = new[] { kids[0].Id } }))));

        Assert.Single(results, r => r.Status == HttpStatusCode.Created);
        Assert.All(results.Where(r => r.Status != HttpStatusCode.Created), r =>
        {
            Assert.Equal(HttpStatusCode.Conflict, r.Status);
            Assert.Contains("already_signed_up", r.Body);
        });
        await using var conn = await app.OpenAsync();
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>($"SELECT confirmed_count FROM sessions WHERE id = {session}"));
        Assert.Equal(1L, await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM signups WHERE session_id = {session}"));
    }

    [Fact]
    public async Task A_guardian_racing_for_many_sessions_stays_within_the_limit()
    {
        var limit = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<MpOptions>>().Value.MaxActiveSignupsPerGuardian;
        var sessions = new List<long>();
        for (var i = 0; i < limit + 5; i++)
        {
            sessions.Add(await Sessions.CreateAsync(app, capacity: 10, waitlist: 0));
        }

        var (parent, kids) = await Parent.ReadyAsync(app);
        var results = await RaceAsync(sessions.Select(id => (Func<Task<HttpResponseMessage>>)(() =>
            parent.Http.PostAsJsonAsync($"/api/mp/sessions/{id}/signups", new { childIds = new[] { kids[0].Id } }))));

        Assert.Equal(limit, results.Count(r => r.Status == HttpStatusCode.Created));
        Assert.All(results.Where(r => r.Status != HttpStatusCode.Created), r => Assert.Contains("guardian_limit", r.Body));
        await using var conn = await app.OpenAsync();
        Assert.Equal((long)limit, await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM signups WHERE child_id = {kids[0].Id} AND status = 'confirmed'"));
    }

    [Fact]
    public async Task Parties_of_different_sizes_racing_are_placed_whole_and_never_overbook()
    {
        // 5 places, 4 waiting: parties of two and of one race; each party is confirmed, waitlisted or
        // refused as a whole, and a party of two that no longer fits leaves room a party of one may take.
        var session = await Sessions.CreateAsync(app, capacity: 5, waitlist: 4);
        var pairs = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Parent.ReadyAsync(app, children: 2)));
        var singles = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Parent.ReadyAsync(app, children: 1)));
        var requests = pairs.Concat(singles).Select(p => (Func<Task<HttpResponseMessage>>)(() =>
            p.Parent.Http.PostAsJsonAsync($"/api/mp/sessions/{session}/signups", new { childIds = p.Children.Select(c => c.Id).ToArray() })));
        var results = await RaceAsync(requests);

        Assert.All(results, r => Assert.True(r.Status is HttpStatusCode.Created or HttpStatusCode.Conflict, r.Body));
        await using var conn = await app.OpenAsync();
        var rows = (await conn.QueryAsync<(Guid Party, string Status)>($"SELECT party_id, status FROM signups WHERE session_id = {session}")).ToList();
        Assert.All(rows.GroupBy(r => r.Party), party => Assert.Single(party.Select(r => r.Status).Distinct()));
        var confirmed = rows.Count(r => r.Status == "confirmed");
        var waiting = rows.Count(r => r.Status == "waitlisted");
        Assert.InRange(confirmed, 4, 5); // at most one place left over, and only if just pairs remained
        Assert.InRange(waiting, 3, 4);
        var counters = await conn.QuerySingleAsync<(int Confirmed, int Waitlist)>($"SELECT confirmed_count, waitlist_count FROM sessions WHERE id = {session}");
        Assert.Equal((confirmed, waiting), counters);
    }
}

