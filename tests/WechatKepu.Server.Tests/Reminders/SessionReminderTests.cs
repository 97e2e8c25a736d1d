using System.Net;
using System.Text.Json;
using Dapper;
using WechatKepu.Server.Tests.Delivery;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Reminders;

public sealed class SessionReminderTests(DeliveryApp app) : IClassFixture<DeliveryApp>
{
    private const string Subscribe = DeliveryApp.SubscribePath;
    private const string Template = DeliveryApp.TemplatePath;

    /// <summary>A session starting at <paramref name="startsAt"/> (signup open now, cancellable until an hour before).</summary>
    private async Task<long> SessionAtAsync(DateTimeOffset startsAt, int capacity = 10, int waitlist = 0) =>
        await Sessions.CreateAsync(app, capacity, waitlist, startsIn: startsAt - app.Clock.GetUtcNow(),
            closesBeforeStart: TimeSpan.FromHours(1), cancelBeforeStart: TimeSpan.FromHours(1));

    private int SubscribesTo(Parent parent, string? template = null) =>
        app.Wechat.CallsTo(Subscribe).Count(c => c.OpenId == parent.OpenId && c.Errcode == 0
            && (template is null || JsonDocument.Parse(c.Body!).RootElement.GetProperty("template_id").GetString() == template));

    private int TemplatesTo(string openId) => app.Wechat.CallsTo(Template).Count(c => c.OpenId == openId && c.Errcode == 0);

    [Fact]
    public async Task Reminders_fire_at_24h_and_2h_spending_the_grant_once_then_falling_back_to_the_official_account()
    {
        app.Daytime();
        var start = app.NextShanghai(14).AddDays(3);
        var session = await SessionAtAsync(start);
        var (parent, child, unionId) = await app.ParentAsync(KepuApp.ReminderTemplate);
        var (_, fanOpenId) = await app.AddFollowerAsync(unionId);
        await parent.SignUpOkAsync(session, child);

        app.SetShanghai(start.AddHours(-24).AddMinutes(-1));
        await app.TickAsync();
        Assert.Equal(0, SubscribesTo(parent));

        app.SetShanghai(start.AddHours(-24));
        await app.TickAsync();
        await app.TickAsync();
        Assert.Equal(1, SubscribesTo(parent, KepuApp.ReminderTemplate));
        Assert.Equal(0, await app.GrantBalanceAsync(parent, KepuApp.ReminderTemplate));
        Assert.Equal(0, app.Wechat.GrantsLeft(KepuApp.MpAppId, parent.OpenId, KepuApp.ReminderTemplate));
        Assert.Equal(1, await app.ScalarAsync<int>(
            $"SELECT count(*) FROM subscribe_grant_ledger l JOIN mp_users u ON u.id = l.user_id WHERE u.openid = '{parent.OpenId}' AND l.reason LIKE 'spent:%'"));
        Assert.Equal(0, TemplatesTo(fanOpenId));

        app.SetShanghai(start.AddHours(-2));
        await app.TickAsync();
        await app.TickAsync();
        Assert.Equal(1, SubscribesTo(parent));
        Assert.Equal(1, TemplatesTo(fanOpenId));
        var body = JsonDocument.Parse(app.Wechat.CallsTo(Template).Single(c => c.OpenId == fanOpenId).Body!).RootElement;
        Assert.Equal(DeliveryApp.OaReminderTemplate, body.GetProperty("template_id").GetString());
        Assert.Equal("青少年科学荟", body.GetProperty("data").GetProperty("keyword1").GetProperty("value").GetString());
    }

    [Fact]
    public async Task A_parent_with_no_grant_who_does_not_follow_is_recorded_as_no_channel()
    {
        app.Daytime();
        var start = app.NextShanghai(15).AddDays(2);
        var session = await SessionAtAsync(start);
        var (parent, child, _) = await app.ParentAsync();
        await parent.SignUpOkAsync(session, child);

        app.SetShanghai(start.AddHours(-24));
        await app.TickAsync();

        Assert.Equal(0, SubscribesTo(parent));
        Assert.Equal("no_channel", await app.ScalarAsync<string>($"""
            SELECT d.status FROM deliveries d JOIN delivery_campaigns c ON c.id = d.campaign_id JOIN mp_users u ON u.id = d.mp_user_id
            WHERE c.session_id = {session} AND u.openid = '{parent.OpenId}'
            """));
    }

    [Fact]
    public async Task Moving_a_session_cancels_the_reminder_held_for_the_old_time_refunds_its_grant_and_reminds_at_the_new_time()
    {
        app.Daytime();
        var start = app.NextShanghai(23, 30).AddDays(2); // the 24 h reminder falls in quiet hours and waits
        var session = await SessionAtAsync(start);
        var (parent, child, _) = await app.ParentAsync(KepuApp.ReminderTemplate);
        await parent.SignUpOkAsync(session, child);

        app.SetShanghai(start.AddHours(-24));
        await app.TickAsync();
        Assert.Equal(0, SubscribesTo(parent));
        Assert.Equal(0, await app.GrantBalanceAsync(parent, KepuApp.ReminderTemplate));

        var moved = start.AddDays(2).AddHours(-9); // 14:30, two days later
        await using (var conn = await app.OpenAsync())
        {
            await conn.ExecuteAsync("UPDATE sessions SET starts_at = @moved, ends_at = @ends WHERE id = @session",
                new { moved = moved.UtcDateTime, ends = moved.AddHours(2).UtcDateTime, session });
        }

        await app.TickAsync();
        Assert.Equal(1, await app.GrantBalanceAsync(parent, KepuApp.ReminderTemplate));

        app.SetShanghai(app.NextShanghai(7));
        await app.TickAsync();
        Assert.Equal(0, SubscribesTo(parent));

        app.SetShanghai(moved.AddHours(-24));
        await app.TickAsync();
        Assert.Equal(1, SubscribesTo(parent));
        Assert.Equal(1, await app.ScalarAsync<int>($"SELECT count(*) FROM delivery_campaigns WHERE session_id = {session} AND status = 'cancelled'"));
    }

    [Fact]
    public async Task Cancelling_a_signup_cancels_its_pending_reminder_and_refunds_the_grant()
    {
        app.Daytime();
        var start = app.NextShanghai(23, 30).AddDays(1);
        var session = await SessionAtAsync(start);
        var (parent, child, _) = await app.ParentAsync(KepuApp.ReminderTemplate);
        var signup = (await parent.SignUpOkAsync(session, child)).Signups[0];

        app.SetShanghai(start.AddHours(-24));
        await app.TickAsync();
        Assert.Equal(0, await app.GrantBalanceAsync(parent, KepuApp.ReminderTemplate));

        Assert.Equal(HttpStatusCode.OK, (await parent.Http.DeleteAsync($"/api/mp/signups/{signup.Id}")).StatusCode);
        await app.TickAsync();
        Assert.Equal(1, await app.GrantBalanceAsync(parent, KepuApp.ReminderTemplate));

        app.SetShanghai(app.NextShanghai(7));
        await app.TickAsync();
        app.SetShanghai(start.AddHours(-2));
        await app.TickAsync();
        Assert.Equal(0, SubscribesTo(parent));
    }

    [Fact]
    public async Task Cancelling_a_session_sends_an_urgent_notice_at_once_even_at_night_and_only_once()
    {
        app.Daytime();
        var start = app.NextShanghai(10).AddDays(4);
        var session = await SessionAtAsync(start);
        var (parent, child, _) = await app.ParentAsync();
        await app.GrantAsync(parent, KepuApp.LongTermTemplate);
        await parent.SignUpOkAsync(session, child);

        app.SetShanghai(app.NextShanghai(23));
        await CancelSessionAsync(session);
        await app.TickAsync();
        await app.TickAsync();

        Assert.Equal(1, SubscribesTo(parent, KepuApp.LongTermTemplate));
        Assert.Equal(0, await app.ScalarAsync<int>($"SELECT count(*) FROM signup_events WHERE session_id = {session} AND kind = 'session_cancelled' AND notified_at IS NULL"));

        app.SetShanghai(start.AddHours(-24));
        await app.TickAsync();
        Assert.Equal(1, SubscribesTo(parent));
    }

    [Fact]
    public async Task A_waitlist_promotion_sends_its_own_notice()
    {
        app.Daytime();
        var session = await SessionAtAsync(app.NextShanghai(10).AddDays(5), capacity: 1, waitlist: 1);
        var (first, firstChild, _) = await app.ParentAsync();
        var (second, secondChild, _) = await app.ParentAsync(KepuApp.PromotedTemplate);
        var confirmed = (await first.SignUpOkAsync(session, firstChild)).Signups[0];
        Assert.Equal("waitlisted", (await second.SignUpOkAsync(session, secondChild)).Outcome);

        Assert.Equal(HttpStatusCode.OK, (await first.Http.DeleteAsync($"/api/mp/signups/{confirmed.Id}")).StatusCode);
        await app.TickAsync();
        await app.TickAsync();

        Assert.Equal(1, SubscribesTo(second, KepuApp.PromotedTemplate));
        Assert.Equal(0, SubscribesTo(first));
    }

    [Fact]
    public async Task WeChat_refusing_a_grant_we_counted_is_recorded_as_43101_and_not_retried()
    {
        app.Daytime();
        var start = app.NextShanghai(16).AddDays(2);
        var session = await SessionAtAsync(start);
        var (parent, child, _) = await app.ParentAsync(KepuApp.ReminderTemplate);
        await parent.SignUpOkAsync(session, child);
        app.Wechat.GrantSubscribe(KepuApp.MpAppId, parent.OpenId, KepuApp.ReminderTemplate, -1); // WeChat no longer has it

        app.SetShanghai(start.AddHours(-24));
        await app.TickAsync();
        app.Clock.Advance(TimeSpan.FromMinutes(30));
        await app.TickAsync();

        Assert.Equal(1, app.Wechat.CallsTo(Subscribe).Count(c => c.OpenId == parent.OpenId));
        Assert.Equal(43101, await ErrcodeAsync(session, parent));
        Assert.Equal(0, await app.GrantBalanceAsync(parent, KepuApp.ReminderTemplate));
    }

    [Fact]
    public async Task A_subscribe_send_refused_as_a_bad_request_gives_the_grant_back()
    {
        app.Daytime();
        var start = app.NextShanghai(16, 30).AddDays(2);
        var session = await SessionAtAsync(start);
        var (parent, child, _) = await app.ParentAsync(KepuApp.ReminderTemplate);
        await parent.SignUpOkAsync(session, child);

        app.SetShanghai(start.AddHours(-24));
        app.Wechat.Faults.FailNext(1, 47003, Subscribe);
        await app.TickAsync();

        Assert.Equal(47003, await ErrcodeAsync(session, parent));
        Assert.Equal(1, await app.GrantBalanceAsync(parent, KepuApp.ReminderTemplate));
    }

    [Fact]
    public async Task An_unanswered_subscribe_send_is_recorded_as_unknown_and_never_resent()
    {
        app.Daytime();
        var start = app.NextShanghai(17).AddDays(2);
        var session = await SessionAtAsync(start);
        var (parent, child, _) = await app.ParentAsync(KepuApp.ReminderTemplate);
        await parent.SignUpOkAsync(session, child);

        app.SetShanghai(start.AddHours(-24));
        app.Wechat.Faults.DropNext(1, Subscribe);
        await app.TickAsync();
        app.Clock.Advance(TimeSpan.FromHours(1));
        await app.TickAsync();

        Assert.Equal(1, app.Wechat.CallsTo(Subscribe).Count(c => c.OpenId == parent.OpenId));
        Assert.Equal("unknown", await app.ScalarAsync<string>($"""
            SELECT d.status FROM deliveries d JOIN delivery_campaigns c ON c.id = d.campaign_id JOIN mp_users u ON u.id = d.mp_user_id
            WHERE c.session_id = {session} AND u.openid = '{parent.OpenId}'
            """));
    }

    private async Task<int?> ErrcodeAsync(long session, Parent parent) =>
        await app.ScalarAsync<int?>($"""
            SELECT d.errcode FROM deliveries d JOIN delivery_campaigns c ON c.id = d.campaign_id JOIN mp_users u ON u.id = d.mp_user_id
            WHERE c.session_id = {session} AND u.openid = '{parent.OpenId}'
            """);

    /// <summary>What the console's session cancellation does: the session, its sign-ups and one event per sign-up.</summary>
    private async Task CancelSessionAsync(long session)
    {
        var now = app.Clock.GetUtcNow().UtcDateTime;
        await using var conn = await app.OpenAsync();
        await conn.ExecuteAsync("""
            UPDATE sessions SET status = 'cancelled' WHERE id = @session;
            INSERT INTO signup_events (signup_id, session_id, kind, created_at)
            SELECT id, session_id, 'session_cancelled', @now FROM signups WHERE session_id = @session AND status IN ('confirmed', 'waitlisted');
            UPDATE signups SET status = 'cancelled', waitlist_seq = NULL, cancelled_at = @now WHERE session_id = @session AND status IN ('confirmed', 'waitlisted');
            """, new { session, now });
    }
}
