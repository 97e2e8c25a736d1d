using Microsoft.Extensions.DependencyInjection;
using WechatKepu.Server.Features.Privacy;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.MiniProgram;

public sealed class PrivacyRetentionTests(KepuApp app) : IClassFixture<KepuApp>
{
    [Fact]
    public async Task Signups_lose_who_they_were_ninety_days_after_the_session_and_not_before()
    {
        var session = await Sessions.CreateAsync(app, capacity: 5, waitlist: 0, startsIn: TimeSpan.FromDays(2));
        var (parent, kids) = await Parent.ReadyAsync(app);
        var signup = (await parent.SignUpOkAsync(session, kids[0].Id)).Signups[0];
        var job = app.Services.GetRequiredService<PurgeSignupDetailsJob>();

        app.Clock.Advance(TimeSpan.FromDays(2 + 89));
        await job.RunAsync(default);
        Assert.Equal(1L, await app.ScalarAsync<long>($"SELECT count(*) FROM signups WHERE id = {signup.Id} AND child_id IS NOT NULL"));

        app.Clock.Advance(TimeSpan.FromDays(2));
        await job.RunAsync(default);
        Assert.Equal(1L, await app.ScalarAsync<long>($"SELECT count(*) FROM signups WHERE id = {signup.Id} AND child_id IS NULL AND user_id IS NULL"));
        Assert.Equal(1L, await app.ScalarAsync<long>($"SELECT confirmed_count FROM sessions WHERE id = {session}"));
        await job.RunAsync(default); // idempotent
    }
}
