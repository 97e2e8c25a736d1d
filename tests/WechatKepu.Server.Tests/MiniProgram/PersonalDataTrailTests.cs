using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using WechatKepu.Server.Features.Broadcasts;
using WechatKepu.Server.Features.Privacy;
using WechatKepu.Server.Tests.Delivery;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.MiniProgram;

/// <summary>
/// Erase and the retention purge leave no trail of a parent or child anywhere in the database. Every
/// column of every table is searched (from information_schema, so a column added later is searched too)
/// for the values that identify them.
/// </summary>
public sealed class PersonalDataTrailTests(DeliveryApp app) : IClassFixture<DeliveryApp>
{
    private static int _n;

    /// <summary>Every column that holds a parent's or child's data once they have signed up, been reminded and broadcast to.</summary>
    private static readonly string[] PersonalColumns =
    [
        "mp_users.openid", "mp_users.unionid", "guardians.name", "guardians.phone", "guardians.user_id", "guardian_consents.user_id",
        "children.name", "children.school", "children.user_id", "signups.user_id", "signups.child_id",
        "subscribe_grants.user_id", "subscribe_grant_ledger.user_id", "mp_login_sessions.user_id",
        "deliveries.openid", "deliveries.recipient", "deliveries.mp_user_id", "broadcast_recipients.openid",
        "followers.openid", "followers.unionid",
    ];

    private sealed record Traced(Parent Parent, long UserId, long ChildId, long SessionId, string FanOpenId, string[] Markers, string[] Exact);

    /// <summary>
    /// A parent with distinctive data who signs a child up, is reminded on both channels (the subscribe
    /// grant, then the official account their unionid leads to) and is sent a broadcast to the session's parents.
    /// </summary>
    private async Task<Traced> TracedParentAsync()
    {
        var n = Interlocked.Increment(ref _n);
        app.Daytime();
        var start = app.NextShanghai(14).AddDays(3);
        var session = await Sessions.CreateAsync(app, 10, 0, startsIn: start - app.Clock.GetUtcNow(),
            closesBeforeStart: TimeSpan.FromHours(1), cancelBeforeStart: TimeSpan.FromHours(1));
        var (parent, _, unionId) = await app.ParentAsync(KepuApp.ReminderTemplate);
        var (guardian, phone, child, school) = ($"痕迹家长{n}", $"1390000{n:D4}", $"痕迹孩子{n}", $"痕迹小学{n}");
        await parent.SaveGuardianAsync(guardian, phone);
        var childId = (await parent.AddChildAsync(child, school: school)).Id;
        var (_, fanOpenId) = await app.AddFollowerAsync(unionId);
        await parent.SignUpOkAsync(session, childId);

        app.SetShanghai(start.AddHours(-24));
        await app.TickAsync();
        await app.TickAsync();
        app.SetShanghai(start.AddHours(-2));
        await app.TickAsync();
        await app.TickAsync();

        using var admin = await app.StaffAsync("admin");
        var created = await admin.PostAsJsonAsync("/api/console/broadcasts", new
        {
            title = "场次通知", kind = "text", text = "请带好水杯", audience = "session", audienceRef = session,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var broadcast = (await created.Content.ReadFromJsonAsync<BroadcastDto>(KepuApp.Json))!.Id;
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/console/broadcasts/{broadcast}/schedule", new { })).StatusCode);
        await app.Services.GetRequiredService<BroadcastJob>().RunAsync(broadcast, CancellationToken.None);

        var userId = await app.ScalarAsync<long>($"SELECT id FROM mp_users WHERE openid = '{parent.OpenId}'");
        return new Traced(parent, userId, childId, session, fanOpenId,
            [parent.OpenId, fanOpenId, unionId, guardian, phone, child, school], [$"u:{userId}"]);
    }

    /// <summary>Every table.column (any schema of ours) holding one of the traced values.</summary>
    private async Task<SortedSet<string>> HitsAsync(Traced t)
    {
        await using var conn = await app.OpenAsync();
        var columns = await conn.QueryAsync<(string Schema, string Table, string Column, string Type)>("""
            SELECT c.table_schema, c.table_name, c.column_name, c.data_type
            FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
            WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema')
            """);
        var hits = new SortedSet<string>();
        var patterns = t.Markers.Select(m => $"%{m}%").ToArray();
        foreach (var (schema, table, column, type) in columns)
        {
            var col = $"\"{schema}\".\"{table}\".\"{column}\"";
            string? where = type switch
            {
                "text" or "character varying" or "character" or "json" or "jsonb" or "ARRAY" =>
                    $"\"{column}\"::text LIKE ANY (@patterns) OR \"{column}\"::text = ANY (@exact)",
                "bigint" when column.EndsWith("user_id", StringComparison.Ordinal) => $"\"{column}\" = @userId",
                "bigint" when column.EndsWith("child_id", StringComparison.Ordinal) => $"\"{column}\" = @childId",
                _ => null,
            };
            if (where is not null && await conn.ExecuteScalarAsync<bool>(
                    $"SELECT EXISTS (SELECT 1 FROM \"{schema}\".\"{table}\" WHERE {where})",
                    new { patterns, exact = t.Exact, userId = t.UserId, childId = t.ChildId }))
            {
                hits.Add(schema == "public" ? $"{table}.{column}" : $"{schema}.{table}.{column}");
            }
        }

        return hits;
    }

    [Fact]
    public async Task Session_key_is_not_stored()
    {
        Assert.Equal(0L, await app.ScalarAsync<long>(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'session_key'"));
    }

    [Fact]
    public async Task Erase_clears_every_column_that_held_the_parent_or_child()
    {
        var t = await TracedParentAsync();
        Assert.Equal(PersonalColumns.Order(StringComparer.Ordinal), await HitsAsync(t));

        Assert.Equal(HttpStatusCode.NoContent, (await t.Parent.Http.DeleteAsync("/api/mp/me")).StatusCode);

        // The follower still follows the official account; nothing ties them to the parent any more.
        Assert.Equal(["followers.openid"], await HitsAsync(t));
        // The messages still count in their campaigns' reports, as anonymous rows.
        Assert.Equal(2L, await app.ScalarAsync<long>($"""
            SELECT count(*) FROM deliveries d JOIN delivery_campaigns c ON c.id = d.campaign_id
            WHERE c.session_id = {t.SessionId} AND d.recipient LIKE 'erased:%' AND d.status = 'sent'
            """));
        Assert.Equal(1L, await app.ScalarAsync<long>($"""
            SELECT count(*) FROM broadcast_recipients r JOIN broadcasts b ON b.id = r.broadcast_id
            WHERE b.audience_ref = {t.SessionId} AND r.openid IS NULL
            """));
    }

    [Fact]
    public async Task The_retention_purge_clears_the_session_trail_and_keeps_the_parents_own_account()
    {
        var t = await TracedParentAsync();
        app.Clock.Advance(TimeSpan.FromDays(92));
        await app.Services.GetRequiredService<PurgeSignupDetailsJob>().RunAsync(CancellationToken.None);

        // What remains is the parent's account (until they erase it) and the follower.
        string[] account =
        [
            "mp_users.openid", "mp_users.unionid", "guardians.name", "guardians.phone", "guardians.user_id", "guardian_consents.user_id",
            "children.name", "children.school", "children.user_id", "subscribe_grants.user_id", "subscribe_grant_ledger.user_id",
            "followers.openid", "followers.unionid",
        ];
        Assert.Equal(account.Order(StringComparer.Ordinal), await HitsAsync(t));
        Assert.Equal(1L, await app.ScalarAsync<long>($"""
            SELECT count(*) FROM broadcast_recipients r JOIN broadcasts b ON b.id = r.broadcast_id
            WHERE b.audience_ref = {t.SessionId} AND r.openid IS NULL
            """));
    }
}
