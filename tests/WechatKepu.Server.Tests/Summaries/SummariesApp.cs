using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using WechatKepu.Server.Tests.Console;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Summaries;

/// <summary>
/// The console server with a reminder template for summaries, and a campaign moved into the test clock's year
/// (the seeded ones are the plan's 2024) holding three activities of its own, arranged with known figures.
/// </summary>
public class SummariesApp : ConsoleApp
{
    public const string SummaryTemplate = "oa-summary-reminder";
    public const string WeatherUnit = OtherUnit;                 // 柳州市气象局
    public const string HostOnlyUnit = "柳州市科协测试主办单位";

    public long CampaignId { get; private set; }

    /// <summary>Accepts sign-ups; 柳州科技馆 organises it. Figures below.</summary>
    public long WithSignups { get; private set; }

    /// <summary>No sessions; 柳州市气象局 organises it.</summary>
    public long Weather { get; private set; }

    /// <summary>No organiser units: its host 柳州科技馆 and a second host answer for it.</summary>
    public long HostOnly { get; private set; }

    protected override void Configure(IWebHostBuilder builder)
    {
        base.Configure(builder);
        builder.UseSetting("Summaries:ReminderTemplateId", SummaryTemplate);
        Wechat.AddTemplate(OaAppId, SummaryTemplate);
    }

    public async Task<long> CampaignAsync(string code) => (await ScalarAsync<long?>($"SELECT id FROM summary_campaigns WHERE code = '{code}'"))!.Value;

    /// <summary>Moves the 全国科普日 campaign to Nov–Dec of the test clock's year (deadline 2026-12-20 Shanghai) and arranges its data once.</summary>
    public async Task ArrangeAsync()
    {
        if (CampaignId != 0)
        {
            return;
        }

        CampaignId = await CampaignAsync("science-day-2024");
        using var admin = await StaffAsync("admin", unit: null);
        var moved = await (await admin.PutAsJsonAsync($"/api/console/summaries/campaigns/{CampaignId}", new
        {
            periodFrom = "2026-11-01", periodTo = "2026-12-31", deadline = "2026-12-20T23:59:59+08:00",
        })).JsonAsync();
        Assert.True(moved.GetProperty("open").GetBoolean());

        await using var conn = await OpenAsync();
        async Task<long> ActivityAsync(string code, string title, string[] hosts, string[] organisers, bool signups) =>
            await conn.ExecuteScalarAsync<long>("""
                INSERT INTO activities (code, category, title, time_text, starts_on, ends_on, venue, host_units, organiser_units, accepts_signups, sort_order)
                VALUES (@code, '各单位特色活动', @title, '12月', '2026-12-01', '2026-12-10', '柳州科技馆', @hosts, @organisers, @signups, 1000)
                RETURNING id
                """, new { code, title, hosts, organisers, signups });
        WithSignups = await ActivityAsync("T.1", "总结测试：科学实验课", ["柳州市科学技术协会"], [Unit], true);
        Weather = await ActivityAsync("T.2", "总结测试：气象科普讲座", ["柳州市科学技术协会"], [WeatherUnit], false);
        HostOnly = await ActivityAsync("T.3", "总结测试：科普展览", [Unit, HostOnlyUnit], [], false);

        async Task<long> SessionAsync(string starts, int capacity, string status = "open") =>
            await conn.ExecuteScalarAsync<long>("""
                INSERT INTO sessions (activity_id, title, starts_at, ends_at, venue, capacity, waitlist_capacity, signup_opens_at, signup_closes_at, cancel_deadline, status)
                VALUES (@activity, '实验课', @starts::timestamptz, @starts::timestamptz + interval '2 hours', '柳州科技馆', @capacity, 5,
                        @starts::timestamptz - interval '20 days', @starts::timestamptz - interval '1 day', @starts::timestamptz - interval '1 day', @status)
                RETURNING id
                """, new { activity = WithSignups, starts, capacity, status });
        var first = await SessionAsync("2026-12-05 10:00+08", 10);
        var second = await SessionAsync("2026-12-06 10:00+08", 5);
        var cancelled = await SessionAsync("2026-12-07 10:00+08", 8, "cancelled");
        var later = await SessionAsync("2027-01-05 10:00+08", 20);     // after the campaign's period
        var early = await SessionAsync("2026-11-01 07:30+08", 4);      // Shanghai's 1 November: inside, although UTC's 31 October

        async Task SignupsAsync(long session, string status, int count, bool promoted = false) =>
            await conn.ExecuteAsync("""
                INSERT INTO signups (session_id, party_id, status, waitlist_seq, created_at, promoted_at, checked_in_at)
                SELECT @session, gen_random_uuid(), @status, CASE WHEN @status = 'waitlisted' THEN g END, now(),
                       CASE WHEN @promoted THEN now() END, CASE WHEN @status = 'checked_in' THEN now() END
                FROM generate_series(1, @count) g
                """, new { session, status, count, promoted });
        await SignupsAsync(first, "checked_in", 3, promoted: true);
        await SignupsAsync(first, "checked_in", 1);
        await SignupsAsync(first, "confirmed", 2);
        await SignupsAsync(first, "waitlisted", 1);
        await SignupsAsync(first, "cancelled", 1, promoted: true);
        await SignupsAsync(second, "confirmed", 3);
        await SignupsAsync(cancelled, "confirmed", 4);
        await SignupsAsync(later, "checked_in", 6);
        await SignupsAsync(early, "confirmed", 1);

        // Reminders: five delivered and one failed for the first session; a promotion notice is not a reminder.
        var reminder = await conn.ExecuteScalarAsync<long>("""
            INSERT INTO delivery_campaigns (kind, source, title, send_after, session_id, created_at) VALUES ('session_reminder', 't-rem-1', '提醒', now(), @first, now()) RETURNING id
            """, new { first });
        var promotion = await conn.ExecuteScalarAsync<long>("""
            INSERT INTO delivery_campaigns (kind, source, title, send_after, session_id, created_at) VALUES ('waitlist_promoted', 't-pro-1', '转正', now(), @first, now()) RETURNING id
            """, new { first });
        await conn.ExecuteAsync("""
            INSERT INTO deliveries (campaign_id, recipient, channel, status, next_attempt_at)
            SELECT @reminder, 'f:' || g, 'oa_template', CASE WHEN g <= 5 THEN 'sent' ELSE 'failed' END, now() FROM generate_series(1, 6) g;
            INSERT INTO deliveries (campaign_id, recipient, channel, status, next_attempt_at) VALUES (@promotion, 'f:1', 'oa_template', 'sent', now());
            """, new { reminder, promotion });

        // Followers: three new ones by the activity's poster (one scanned twice), one who already followed, one before the period.
        await conn.ExecuteAsync("""
            INSERT INTO poster_codes (id, app_id, kind, activity_id, scene, created_at) VALUES (900001, @app, 'qr_permanent', @activity, 'act:t:900001', now());
            INSERT INTO poster_scans (code_id, openid, new_follower, at) VALUES
                (900001, 'oScanA', true, '2026-12-02 10:00+08'), (900001, 'oScanB', true, '2026-12-02 11:00+08'),
                (900001, 'oScanC', true, '2026-12-03 10:00+08'), (900001, 'oScanA', true, '2026-12-04 10:00+08'),
                (900001, 'oScanD', false, '2026-12-04 10:00+08'), (900001, 'oScanE', true, '2026-10-04 10:00+08');
            """, new { app = OaAppId, activity = WithSignups });
    }
}

public static class SummaryForms
{
    public static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, .. "JFIF"u8.ToArray(), 0x00, 1, 2, 3, 4, 5];
    public static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, .. "IHDR"u8.ToArray(), 9, 8, 7];

    /// <summary>A summary filing as the console sends it.</summary>
    public static MultipartFormDataContent Form(
        string? heldFrom = "2026-12-05", string? heldTo = "2026-12-06", string? participants = null, string? text = "学生们动手做了实验。",
        IEnumerable<long>? keep = null, params (string Name, byte[] Content)[] photos)
    {
        var form = new MultipartFormDataContent();
        void Field(string name, string? value)
        {
            if (value is not null)
            {
                form.Add(new StringContent(value), name);
            }
        }

        Field("heldFrom", heldFrom);
        Field("heldTo", heldTo);
        Field("participants", participants);
        Field("text", text);
        foreach (var id in keep ?? [])
        {
            Field("keepPhotoIds", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (var (name, content) in photos)
        {
            var file = new ByteArrayContent(content);
            file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(name.EndsWith(".png", StringComparison.Ordinal) ? "image/png" : "image/jpeg");
            form.Add(file, "photos", name);
        }

        return form;
    }

    public static async Task<JsonElement> FileOkAsync(this HttpClient staff, long campaign, long activity, MultipartFormDataContent form, HttpStatusCode expected)
    {
        var response = await staff.PutAsync($"/api/console/summaries/campaigns/{campaign}/activities/{activity}", form);
        return await response.JsonAsync(expected);
    }

    /// <summary>Files or replaces (201 the first time, 200 after): for tests that do not care which.</summary>
    public static async Task<JsonElement> FileAsync(this HttpClient staff, long campaign, long activity, MultipartFormDataContent form)
    {
        var response = await staff.PutAsync($"/api/console/summaries/campaigns/{campaign}/activities/{activity}", form);
        return await response.JsonAsync(response.StatusCode == HttpStatusCode.Created ? HttpStatusCode.Created : HttpStatusCode.OK);
    }
}
