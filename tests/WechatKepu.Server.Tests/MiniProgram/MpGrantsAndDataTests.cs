using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WechatKepu.Server.Features.MiniProgram;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.MiniProgram;

public sealed class MpGrantsAndDataTests(KepuApp app) : IClassFixture<KepuApp>
{
    private static object Results(params (string Template, string Answer)[] r) =>
        new { results = r.ToDictionary(x => x.Template, x => x.Answer) };

    [Fact]
    public async Task Each_accept_of_a_one_time_template_adds_one_grant_and_long_term_is_flagged()
    {
        var parent = await Parent.LoginAsync(app);
        await parent.Http.PostAsJsonAsync("/api/mp/subscriptions", Results((KepuApp.ReminderTemplate, "accept"), (KepuApp.PromotedTemplate, "reject")));
        var response = await parent.Http.PostAsJsonAsync("/api/mp/subscriptions",
            Results((KepuApp.ReminderTemplate, "accept"), (KepuApp.LongTermTemplate, "accept")));
        var grants = (await response.Content.ReadFromJsonAsync<GrantsDto>(KepuApp.Json))!.Grants;
        Assert.Equal(2, Assert.Single(grants, g => g.TemplateId == KepuApp.ReminderTemplate).Balance);
        Assert.True(Assert.Single(grants, g => g.TemplateId == KepuApp.LongTermTemplate).LongTerm);
        Assert.DoesNotContain(grants, g => g.TemplateId == KepuApp.PromotedTemplate);
        Assert.Equal(4L, await app.ScalarAsync<long>(
            $"SELECT count(*) FROM subscribe_grant_ledger l JOIN mp_users u ON u.id = l.user_id WHERE u.openid = '{parent.OpenId}'"));
    }

    [Fact]
    public async Task Unknown_templates_and_answers_are_400_and_record_nothing()
    {
        var parent = await Parent.LoginAsync(app);
        await ProblemAssert.NamesParameterAsync(await parent.Http.PostAsJsonAsync("/api/mp/subscriptions", Results(("nope", "accept"))), "results.nope");
        await ProblemAssert.NamesParameterAsync(
            await parent.Http.PostAsJsonAsync("/api/mp/subscriptions", Results((KepuApp.ReminderTemplate, "yes"))), $"results.{KepuApp.ReminderTemplate}");
        await ProblemAssert.NamesParameterAsync(await parent.Http.PostAsJsonAsync("/api/mp/subscriptions", new { results = new { } }), "results");
        Assert.Equal(0L, await app.ScalarAsync<long>(
            $"SELECT count(*) FROM subscribe_grant_ledger l JOIN mp_users u ON u.id = l.user_id WHERE u.openid = '{parent.OpenId}'"));
        var templates = await parent.GetJsonAsync("/api/mp/subscriptions/templates");
        Assert.Equal(3, templates.GetProperty("templates").GetArrayLength());
    }

    [Fact]
    public async Task Export_holds_everything_stored_about_the_guardian_and_children()
    {
        var session = await Sessions.CreateAsync(app, capacity: 3, waitlist: 0);
        var (parent, kids) = await Parent.ReadyAsync(app, children: 2);
        await parent.SignUpOkAsync(session, kids[0].Id);
        var data = await parent.GetJsonAsync("/api/mp/me/data");
        Assert.Equal(parent.OpenId, data.GetProperty("openId").GetString());
        Assert.Equal("13800138000", data.GetProperty("guardian").GetProperty("phone").GetString());
        Assert.Equal(2, data.GetProperty("children").GetArrayLength());
        Assert.Equal(1, data.GetProperty("signups").GetArrayLength());
        Assert.Equal(1, data.GetProperty("consents").GetArrayLength());
        // The confirmed sign-up carries the same check-in code /api/mp/signups shows (issue 19.16: it was null here).
        var code = Assert.Single(await parent.SignupsAsync()).CheckinCode;
        Assert.NotNull(code);
        Assert.Equal(code, data.GetProperty("signups")[0].GetProperty("checkinCode").GetString());
    }

    [Fact]
    public async Task Erase_removes_the_guardian_frees_upcoming_places_and_keeps_anonymous_counts()
    {
        var session = await Sessions.CreateAsync(app, capacity: 1, waitlist: 3);
        var (leaving, kids) = await Parent.ReadyAsync(app);
        var (waiting, w) = await Parent.ReadyAsync(app);
        await leaving.SignUpOkAsync(session, kids[0].Id);
        await waiting.SignUpOkAsync(session, w[0].Id);

        Assert.Equal(HttpStatusCode.NoContent, (await leaving.Http.DeleteAsync("/api/mp/me")).StatusCode);

        await ProblemAssert.IsProblemAsync(await leaving.Http.GetAsync("/api/mp/me"), HttpStatusCode.Unauthorized, "session_expired");
        Assert.Equal(0L, await app.ScalarAsync<long>($"SELECT count(*) FROM mp_users WHERE openid = '{leaving.OpenId}'"));
        Assert.Equal(0L, await app.ScalarAsync<long>($"SELECT count(*) FROM children WHERE id = {kids[0].Id}"));
        Assert.Equal(0L, await app.ScalarAsync<long>("SELECT count(*) FROM guardians WHERE phone IS NULL"));
        // The anonymous row stays; the place went to the waiting list.
        Assert.Equal(2L, await app.ScalarAsync<long>($"SELECT count(*) FROM signups WHERE session_id = {session}"));
        Assert.Equal(1L, await app.ScalarAsync<long>($"SELECT count(*) FROM signups WHERE session_id = {session} AND user_id IS NULL AND child_id IS NULL AND status = 'cancelled'"));
        Assert.Equal("confirmed", Assert.Single(await waiting.SignupsAsync()).Status);
    }
}
