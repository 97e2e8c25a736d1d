using System.Net;
using Microsoft.Extensions.DependencyInjection;
using WechatKepu.Server.Features.MiniProgram;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.MiniProgram;

public sealed class MpCancelTests(KepuApp app) : IClassFixture<KepuApp>
{
    [Fact]
    public async Task Cancelling_frees_the_place_and_promotes_the_next_on_the_list()
    {
        var session = await Sessions.CreateAsync(app, capacity: 1, waitlist: 5);
        var (first, a) = await Parent.ReadyAsync(app);
        var (second, b) = await Parent.ReadyAsync(app);
        var confirmed = (await first.SignUpOkAsync(session, a[0].Id)).Signups[0];
        await second.SignUpOkAsync(session, b[0].Id);

        var cancel = await first.Http.DeleteAsync($"/api/mp/signups/{confirmed.Id}");
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", (await first.SignupsAsync())[0].Status);

        var promoted = Assert.Single(await second.SignupsAsync());
        Assert.Equal("confirmed", promoted.Status);
        Assert.NotNull(promoted.PromotedAt);
        Assert.NotNull(promoted.CheckinCode);
        Assert.Equal(1L, await app.ScalarAsync<long>($"SELECT count(*) FROM signup_events WHERE kind = 'promoted' AND signup_id = {promoted.Id}"));
        var view = await second.SessionAsync(session);
        Assert.Equal(0, view.PlacesLeft);
        Assert.Equal(0, view.WaitlistLength);
    }

    [Fact]
    public async Task A_party_too_big_for_the_freed_place_keeps_its_turn_while_a_smaller_one_behind_is_promoted()
    {
        var session = await Sessions.CreateAsync(app, capacity: 1, waitlist: 10);
        var (holder, h) = await Parent.ReadyAsync(app);
        var (family, twins) = await Parent.ReadyAsync(app, children: 2);
        var (single, s) = await Parent.ReadyAsync(app);
        var held = (await holder.SignUpOkAsync(session, h[0].Id)).Signups[0];
        await family.SignUpOkAsync(session, twins[0].Id, twins[1].Id);
        await single.SignUpOkAsync(session, s[0].Id);

        await holder.Http.DeleteAsync($"/api/mp/signups/{held.Id}");

        Assert.Equal("confirmed", Assert.Single(await single.SignupsAsync()).Status);
        var waiting = await family.SignupsAsync();
        Assert.All(waiting, w =>
        {
            Assert.Equal("waitlisted", w.Status);
            Assert.Equal(1, w.WaitlistPosition);
        });
    }

    [Fact]
    public async Task Cancelling_a_waitlisted_signup_moves_the_others_up()
    {
        var session = await Sessions.CreateAsync(app, capacity: 1, waitlist: 5);
        var (p1, a) = await Parent.ReadyAsync(app);
        var (p2, b) = await Parent.ReadyAsync(app);
        var (p3, c) = await Parent.ReadyAsync(app);
        await p1.SignUpOkAsync(session, a[0].Id);
        var w = (await p2.SignUpOkAsync(session, b[0].Id)).Signups[0];
        await p3.SignUpOkAsync(session, c[0].Id);
        Assert.Equal(2, (await p3.SignupsAsync())[0].WaitlistPosition);
        await p2.Http.DeleteAsync($"/api/mp/signups/{w.Id}");
        Assert.Equal(1, (await p3.SignupsAsync())[0].WaitlistPosition);
        Assert.Equal(1, (await p3.SessionAsync(session)).WaitlistLength);
    }

    [Fact]
    public async Task Cancelling_after_the_deadline_is_refused()
    {
        // The deadline is an hour away; the clock then moves two hours on (it never goes back, so the
        // other tests of this class only see sessions made relative to it).
        var session = await Sessions.CreateAsync(app, capacity: 3, waitlist: 0,
            startsIn: TimeSpan.FromHours(25), closesBeforeStart: TimeSpan.FromHours(24.5), cancelBeforeStart: TimeSpan.FromHours(24));
        var (parent, kids) = await Parent.ReadyAsync(app);
        var signup = (await parent.SignUpOkAsync(session, kids[0].Id)).Signups[0];
        app.Clock.Advance(TimeSpan.FromHours(2));
        await ProblemAssert.IsProblemAsync(await parent.Http.DeleteAsync($"/api/mp/signups/{signup.Id}"), HttpStatusCode.Conflict, "cancel_deadline_passed");
        Assert.Equal("confirmed", (await parent.SignupsAsync())[0].Status);
    }

    [Fact]
    public async Task Another_parents_signup_is_404_and_stays_confirmed()
    {
        var session = await Sessions.CreateAsync(app, capacity: 3, waitlist: 0);
        var (owner, kids) = await Parent.ReadyAsync(app);
        var (other, _) = await Parent.ReadyAsync(app);
        var signup = (await owner.SignUpOkAsync(session, kids[0].Id)).Signups[0];
        await ProblemAssert.IsProblemAsync(await other.Http.DeleteAsync($"/api/mp/signups/{signup.Id}"), HttpStatusCode.NotFound, "signup_not_found");
        await ProblemAssert.IsProblemAsync(await other.Http.GetAsync($"/api/mp/signups/{signup.Id}/checkin-code"), HttpStatusCode.NotFound, "signup_not_found");
        Assert.Equal("confirmed", (await owner.SignupsAsync())[0].Status);
        await ProblemAssert.IsChineseNotFoundAsync(await other.Http.DeleteAsync("/api/mp/signups/abc"), "not_found");
    }

    [Fact]
    public async Task Cancelling_twice_is_harmless()
    {
        var session = await Sessions.CreateAsync(app, capacity: 3, waitlist: 0);
        var (parent, kids) = await Parent.ReadyAsync(app);
        var signup = (await parent.SignUpOkAsync(session, kids[0].Id)).Signups[0];
        Assert.Equal(HttpStatusCode.OK, (await parent.Http.DeleteAsync($"/api/mp/signups/{signup.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await parent.Http.DeleteAsync($"/api/mp/signups/{signup.Id}")).StatusCode);
        Assert.Equal(3, (await parent.SessionAsync(session)).PlacesLeft);
    }

    [Fact]
    public async Task Check_in_codes_are_signed_and_verifiable_and_only_for_confirmed_signups()
    {
        var session = await Sessions.CreateAsync(app, capacity: 1, waitlist: 2);
        var (parent, kids) = await Parent.ReadyAsync(app, children: 2);
        var confirmed = (await parent.SignUpOkAsync(session, kids[0].Id)).Signups[0];
        var waitlisted = (await parent.SignUpOkAsync(session, kids[1].Id)).Signups[0];

        var code = (await parent.GetJsonAsync($"/api/mp/signups/{confirmed.Id}/checkin-code")).GetProperty("code").GetString()!;
        var codes = app.Services.GetRequiredService<CheckinCodes>();
        Assert.Equal(confirmed.Id, await codes.VerifyAsync(code, default));
        Assert.Null(await codes.VerifyAsync(code[..^1] + (code[^1] == 'A' ? 'B' : 'A'), default));
        Assert.Null(await codes.VerifyAsync($"KP-{waitlisted.Id}-{code.Split('-')[2]}", default));
        Assert.Null(await codes.VerifyAsync("garbage", default));

        var png = await parent.Http.GetAsync($"/api/mp/signups/{confirmed.Id}/checkin-code.png");
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await png.Content.ReadAsByteArrayAsync())[..4]);

        await ProblemAssert.IsProblemAsync(await parent.Http.GetAsync($"/api/mp/signups/{waitlisted.Id}/checkin-code"),
            HttpStatusCode.Conflict, "no_checkin_code");
    }

    [Fact]
    public async Task A_child_with_an_active_signup_cannot_be_deleted()
    {
        var session = await Sessions.CreateAsync(app, capacity: 3, waitlist: 0);
        var (parent, kids) = await Parent.ReadyAsync(app);
        await parent.SignUpOkAsync(session, kids[0].Id);
        await ProblemAssert.IsProblemAsync(await parent.Http.DeleteAsync($"/api/mp/children/{kids[0].Id}"), HttpStatusCode.Conflict, "child_has_active_signups");
    }
}
