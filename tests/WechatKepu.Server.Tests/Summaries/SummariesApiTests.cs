using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ClosedXML.Excel;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using WechatKepu.Server.Features.Delivery;
using WechatKepu.Server.Features.Summaries;
using WechatKepu.Server.Tests.Console;
using WechatKepu.Server.Tests.Infrastructure;
using static WechatKepu.Server.Tests.Summaries.SummaryForms;

namespace WechatKepu.Server.Tests.Summaries;

/// <summary>Activity summaries: campaigns and deadlines, filing with photos, what is refused, who has not filed, reminders.</summary>
public sealed class SummariesApiTests(SummariesApp app) : IClassFixture<SummariesApp>
{
    private const string Api = "/api/console/summaries";

    private string ActivityUrl(long activity, long? campaign = null) => $"{Api}/campaigns/{campaign ?? app.CampaignId}/activities/{activity}";

    private async Task<(long Summaries, long Photos)> RowsAsync()
    {
        await using var conn = await app.OpenAsync();
        return (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM activity_summaries"), await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM summary_photos"));
    }

    [Fact]
    public async Task Bad_campaign_changes_are_refused_and_only_admins_change_deadlines()
    {
        var id = await app.CampaignAsync("bagui-2024");
        using var admin = await app.StaffAsync("admin", unit: null);
        using var organiser = await app.StaffAsync("organiser");
        var url = $"{Api}/campaigns/{id}";
        async Task<string> CurrentAsync() => (await (await admin.GetAsync($"{Api}/campaigns")).JsonAsync()).EnumerateArray()
            .Single(c => c.GetProperty("id").GetInt64() == id).GetRawText();
        var before = await CurrentAsync();
        await ProblemAssert.NamesParameterAsync(await admin.PutAsJsonAsync(url, new { periodFrom = "2024-01-01" }), "deadline");
        await ProblemAssert.NamesParameterAsync(await admin.PutAsJsonAsync(url, new { deadline = "2024-12-31T23:59:59+08:00", periodFrom = "2024-12-01", periodTo = "2024-11-01" }), "periodTo");
        await ProblemAssert.NamesParameterAsync(await admin.PutAsJsonAsync(url, new { deadline = "2024-12-31T23:59:59+08:00", periodFrom = "2024-01-01", periodTo = "2026-01-01" }), "periodTo");
        var wrongType = await ProblemAssert.IsProblemAsync(
            await admin.PutAsync(url, new StringContent("""{"deadline": 20241231}""", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        Assert.Contains("deadline", wrongType.GetProperty("detail").GetString());
        await ProblemAssert.IsProblemAsync(await admin.PutAsJsonAsync($"{Api}/campaigns/999999", new { deadline = "2024-12-31T23:59:59+08:00" }), HttpStatusCode.NotFound, "not_found");
        await ProblemAssert.IsProblemAsync(await organiser.PutAsJsonAsync(url, new { deadline = "2030-12-31T23:59:59+08:00" }), HttpStatusCode.Forbidden);
        Assert.Equal(before, await CurrentAsync());

        var moved = await (await admin.PutAsJsonAsync(url, new { deadline = "2025-01-10T18:00:00+08:00" })).JsonAsync();
        Assert.Equal("2025年1月10日 18:00", moved.GetProperty("deadlineText").GetString());
        Assert.False(moved.GetProperty("open").GetBoolean());
        Assert.Equal(JsonDocument.Parse(before).RootElement.GetProperty("periodFrom").GetString(), moved.GetProperty("periodFrom").GetString());
        Assert.True(await app.ScalarAsync<long>($"SELECT count(*) FROM staff_audit_log WHERE action = 'summary_campaign.update' AND target = 'summary_campaign:{id}'") >= 1);
    }

    [Fact]
    public async Task An_organiser_files_a_summary_with_photos_then_edits_it_keeping_one_photo_and_adding_another()
    {
        await app.ArrangeAsync();
        using var organiser = await app.StaffClientAsync("organiser", ConsoleApp.Unit, name: "科技馆联络员");
        var mine = await (await organiser.GetAsync($"{Api}/campaigns/{app.CampaignId}/activities")).JsonAsync();
        Assert.Equal([app.WithSignups, app.HostOnly], mine.EnumerateArray().Select(a => a.GetProperty("id").GetInt64()));

        // Sign-ups were taken: participants are counted (the 4 check-ins), not entered.
        var filed = await organiser.FileAsync(app.CampaignId, app.WithSignups,
            Form(text: "  实验课两场，孩子们做了水火箭。 ", photos: [("现场.jpg", Jpeg), ("合影.png", Png)]));
        Assert.True(filed.GetProperty("participantsCounted").GetBoolean());
        Assert.Equal(4, filed.GetProperty("participants").GetInt32());
        var summary = filed.GetProperty("summary");
        Assert.Equal("实验课两场，孩子们做了水火箭。", summary.GetProperty("text").GetString());
        Assert.Equal("科技馆联络员", summary.GetProperty("filedBy").GetString());
        var photos = summary.GetProperty("photos").EnumerateArray().Select(p => p.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(2, photos.Count);
        var png = await organiser.GetAsync($"{Api}/photos/{photos[1]}");
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Png, await png.Content.ReadAsByteArrayAsync());

        // Edit: keep the PNG first, drop the JPEG, add another JPEG.
        var edited = await organiser.FileOkAsync(app.CampaignId, app.WithSignups,
            Form(heldFrom: "2026-12-05", heldTo: "2026-12-05", text: "改：一场实验课。", keep: [photos[1]], photos: [("补充.jpg", Jpeg)]), HttpStatusCode.OK);
        var after = edited.GetProperty("summary").GetProperty("photos").EnumerateArray().Select(p => p.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(2, after.Count);
        Assert.Equal(photos[1], after[0]);
        Assert.DoesNotContain(photos[0], after);
        Assert.Equal("2026-12-05", edited.GetProperty("summary").GetProperty("heldTo").GetString());
        await ProblemAssert.IsProblemAsync(await organiser.GetAsync($"{Api}/photos/{photos[0]}"), HttpStatusCode.NotFound, "not_found");
        Assert.Equal(1, await app.ScalarAsync<long>($"SELECT count(*) FROM activity_summaries WHERE activity_id = {app.WithSignups} AND campaign_id = {app.CampaignId}"));
        Assert.Equal(2, await app.ScalarAsync<long>($"SELECT count(*) FROM staff_audit_log WHERE action IN ('summary.file', 'summary.update') AND detail->>'activityId' = '{app.WithSignups}'"));

        // Without sign-ups the organiser enters the count.
        var manual = await organiser.FileAsync(app.CampaignId, app.HostOnly, Form(heldFrom: "2026-12-01", heldTo: "2026-12-10", participants: "1200"));
        Assert.False(manual.GetProperty("participantsCounted").GetBoolean());
        Assert.Equal(1200, manual.GetProperty("participants").GetInt32());
    }

    public static TheoryData<string, string?, string?, string?, string?> BadFields => new()
    {
        // field named, heldFrom, heldTo, participants, text
        { "heldFrom", null, "2026-12-06", "10", "总结" },
        { "heldFrom", "2026/12/05", "2026-12-06", "10", "总结" },
        { "heldFrom", "2026-10-31", "2026-12-06", "10", "总结" },          // before the campaign's period
        { "heldTo", "2026-12-05", "2027-01-01", "10", "总结" },            // after it
        { "heldTo", "2026-12-06", "2026-12-05", "10", "总结" },
        { "participants", "2026-12-05", "2026-12-06", null, "总结" },
        { "participants", "2026-12-05", "2026-12-06", "-3", "总结" },
        { "participants", "2026-12-05", "2026-12-06", "十个", "总结" },
        { "participants", "2026-12-05", "2026-12-06", "99999999999", "总结" },
        { "text", "2026-12-05", "2026-12-06", "10", "   " },
        { "text", "2026-12-05", "2026-12-06", "10", new string('科', 1001) },
        { "text", "2026-12-05", "2026-12-06", "10", "总结\u0000" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public async Task A_summary_with_a_bad_field_is_refused_naming_it_and_writes_nothing(string field, string? from, string? to, string? participants, string? text)
    {
        await app.ArrangeAsync();
        using var organiser = await app.StaffAsync("organiser", unit: SummariesApp.WeatherUnit);
        var before = await RowsAsync();
        var response = await organiser.PutAsync(ActivityUrl(app.Weather), Form(from, to, participants, text, photos: [("a.jpg", Jpeg)]));
        await ProblemAssert.NamesParameterAsync(response, field);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", problem.GetProperty("errors").GetProperty(field)[0].GetString());
        Assert.Equal(before, await RowsAsync());
    }

    [Fact]
    public async Task Participants_are_refused_where_they_are_counted_from_sign_ups()
    {
        await app.ArrangeAsync();
        using var organiser = await app.StaffAsync("organiser");
        var before = await RowsAsync();
        var response = await organiser.PutAsync(ActivityUrl(app.WithSignups, await app.CampaignAsync("science-day-2024")), Form(participants: "50"));
        await ProblemAssert.NamesParameterAsync(response, "participants");
        Assert.Equal(before, await RowsAsync());
    }

    [Fact]
    public async Task Bad_photos_are_refused_with_their_own_codes_and_nothing_of_the_summary_is_written()
    {
        await app.ArrangeAsync();
        using var organiser = await app.StaffAsync("organiser", unit: SummariesApp.WeatherUnit);
        var before = await RowsAsync();
        var url = ActivityUrl(app.Weather);

        // A GIF named .jpg after a good photo: the good one is not kept either.
        var gif = "GIF89a"u8.ToArray().Concat(new byte[20]).ToArray();
        var problem = await ProblemAssert.IsProblemAsync(await organiser.PutAsync(url, Form(participants: "10", photos: [("好.jpg", Jpeg), ("假.jpg", gif)])),
            HttpStatusCode.BadRequest, "photo_type");
        Assert.Contains("假.jpg", problem.GetProperty("detail").GetString());
        await ProblemAssert.IsProblemAsync(await organiser.PutAsync(url, Form(participants: "10", photos: ("空.png", Array.Empty<byte>()))), HttpStatusCode.BadRequest, "photo_type");

        var big = new byte[2 * 1024 * 1024 + 1];
        Jpeg.CopyTo(big, 0);
        problem = await ProblemAssert.IsProblemAsync(await organiser.PutAsync(url, Form(participants: "10", photos: [("大.jpg", big)])), HttpStatusCode.RequestEntityTooLarge, "photo_too_large");
        Assert.Contains("2 MB", problem.GetProperty("detail").GetString());

        // Ten photos at the limit are more than one filing may carry: refused before the body is read.
        var heavy = Enumerable.Range(1, 10).Select(i => ($"{i}.jpg", big[..(2 * 1024 * 1024)])).ToArray();
        await ProblemAssert.IsProblemAsync(await organiser.PutAsync(url, Form(participants: "10", photos: heavy)), HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        var ten = Enumerable.Range(1, 10).Select(i => ($"{i}.jpg", Jpeg)).ToArray();
        await ProblemAssert.IsProblemAsync(await organiser.PutAsync(url, Form(participants: "10", photos: ten)), HttpStatusCode.BadRequest, "too_many_photos");

        await ProblemAssert.IsProblemAsync(await organiser.PutAsync(url, Form(participants: "10", keep: [987654])), HttpStatusCode.BadRequest, "unknown_photo");
        var badKeep = Form(participants: "10");
        badKeep.Add(new StringContent("abc"), "keepPhotoIds");
        await ProblemAssert.NamesParameterAsync(await organiser.PutAsync(url, badKeep), "keepPhotoIds");
        var wrongField = Form(participants: "10");
        wrongField.Add(new ByteArrayContent(Jpeg), "picture", "x.jpg");
        await ProblemAssert.NamesParameterAsync(await organiser.PutAsync(url, wrongField), "photos");

        Assert.Equal(before, await RowsAsync());
    }

    [Fact]
    public async Task A_photo_of_another_summary_cannot_be_kept_and_the_edit_writes_nothing()
    {
        await app.ArrangeAsync();
        using var organiser = await app.StaffAsync("organiser");
        var campaign = await app.CampaignAsync("science-day-2024");
        var other = (await organiser.FileAsync(campaign, app.HostOnly, Form(participants: "5", photos: [("x.jpg", Jpeg)])))
            .GetProperty("summary").GetProperty("photos")[0].GetProperty("id").GetInt64();
        await organiser.FileAsync(campaign, app.WithSignups, Form());
        var before = await RowsAsync();
        var text = await app.ScalarAsync<string>($"SELECT body FROM activity_summaries WHERE activity_id = {app.WithSignups}");
        await ProblemAssert.IsProblemAsync(await organiser.PutAsync(ActivityUrl(app.WithSignups), Form(text: "不应写入", keep: [other])), HttpStatusCode.BadRequest, "unknown_photo");
        Assert.Equal(before, await RowsAsync());
        Assert.Equal(text, await app.ScalarAsync<string>($"SELECT body FROM activity_summaries WHERE activity_id = {app.WithSignups}"));
    }

    [Fact]
    public async Task Filing_is_refused_outside_the_callers_unit_the_campaign_or_the_console_rules()
    {
        await app.ArrangeAsync();
        var before = await RowsAsync();
        using var organiser = await app.StaffAsync("organiser");
        using var viewer = await app.StaffAsync("viewer", unit: null);
        await ProblemAssert.IsProblemAsync(await organiser.PutAsync(ActivityUrl(app.Weather), Form(participants: "1")), HttpStatusCode.Forbidden, "not_your_unit");
        await ProblemAssert.IsProblemAsync(await viewer.PutAsync(ActivityUrl(app.Weather), Form(participants: "1")), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(await organiser.PutAsync(ActivityUrl(app.WithSignups, 999999), Form()), HttpStatusCode.NotFound, "not_found");
        await ProblemAssert.IsProblemAsync(await organiser.PutAsync(ActivityUrl(999999), Form()), HttpStatusCode.NotFound, "not_found");
        // 5.1.2 is the organiser's unit's, but in 2024: outside the moved campaign's period.
        var outside = await ProblemAssert.IsProblemAsync(await organiser.PutAsync(ActivityUrl(await app.ActivityIdAsync("5.1.2")), Form()), HttpStatusCode.NotFound, "not_found");
        Assert.Equal("该活动不在本项总结范围内", outside.GetProperty("title").GetString());
        await ProblemAssert.IsProblemAsync(await organiser.PutAsJsonAsync(ActivityUrl(app.WithSignups), new { text = "JSON" }), HttpStatusCode.UnsupportedMediaType, "multipart_required");
        using var noToken = await app.StaffClientAsync("organiser", ConsoleApp.Unit, antiforgery: false);
        var refused = await noToken.PutAsync(ActivityUrl(app.WithSignups), Form());
        Assert.True(refused.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden, refused.StatusCode.ToString());
        await ProblemAssert.IsProblemAsync(await app.Anonymous().PutAsync(ActivityUrl(app.WithSignups), Form()), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(await organiser.GetAsync($"{Api}/photos/424242"), HttpStatusCode.NotFound, "not_found");
        await ProblemAssert.IsProblemAsync(await organiser.GetAsync($"{Api}/campaigns/999999/activities"), HttpStatusCode.NotFound, "not_found");
        Assert.Equal(before, await RowsAsync());
    }

    [Fact]
    public async Task After_the_deadline_organisers_can_no_longer_file_or_edit_but_an_admin_can()
    {
        await app.ArrangeAsync();
        var campaign = await app.CampaignAsync("bagui-2024");
        using var admin = await app.StaffAsync("admin", unit: null);
        // 2026-11-29 09:00 in Shanghai is the clock; the deadline was the evening before.
        await (await admin.PutAsJsonAsync($"{Api}/campaigns/{campaign}", new { periodFrom = "2026-01-01", periodTo = "2026-12-31", deadline = "2026-11-28T18:00:00+08:00" })).JsonAsync();
        using var organiser = await app.StaffAsync("organiser", unit: SummariesApp.WeatherUnit);
        var before = await RowsAsync();
        var late = await ProblemAssert.IsProblemAsync(await organiser.PutAsync(ActivityUrl(app.Weather, campaign), Form(participants: "30")), HttpStatusCode.Conflict, "summary_deadline_passed");
        Assert.Contains("2026年11月28日 18:00", late.GetProperty("detail").GetString());
        Assert.Equal(before, await RowsAsync());

        var byAdmin = await admin.FileOkAsync(campaign, app.Weather, Form(participants: "30"), HttpStatusCode.Created);
        Assert.Equal(30, byAdmin.GetProperty("participants").GetInt32());
        await ProblemAssert.IsProblemAsync(await organiser.PutAsync(ActivityUrl(app.Weather, campaign), Form(participants: "31")), HttpStatusCode.Conflict, "summary_deadline_passed");
        Assert.DoesNotContain((await (await organiser.GetAsync($"{Api}/due")).JsonAsync()).EnumerateArray(), d => d.GetProperty("campaignId").GetInt64() == campaign);
    }

    [Fact]
    public async Task The_admin_sees_the_unit_that_has_not_filed_and_its_organiser_with_an_openid_gets_a_wechat_reminder_from_a_job()
    {
        await app.ArrangeAsync();
        const string openid = "oWx7Qd2mKp9sT4vYbN3cF8hJ1eLr";
        app.Wechat.AddFollower(ConsoleApp.OaAppId, openid);
        using var weather = await app.StaffClientAsync("organiser", SummariesApp.WeatherUnit, name: "气象局联络员");
        using var weatherTwo = await app.StaffClientAsync("organiser", SummariesApp.WeatherUnit, name: "气象局值班员");
        await using (var conn = await app.OpenAsync())
        {
            await conn.ExecuteAsync("UPDATE staff_accounts SET openid = @openid WHERE display_name = '气象局联络员'", new { openid });
        }

        // The organiser's banner: one activity of the campaign still to file.
        var due = (await (await weather.GetAsync($"{Api}/due")).JsonAsync()).EnumerateArray().Single(d => d.GetProperty("campaignId").GetInt64() == app.CampaignId);
        Assert.Equal(1, due.GetProperty("missing").GetInt32());
        Assert.Equal("2026年12月20日 23:59", due.GetProperty("deadlineText").GetString());

        using var admin = await app.StaffAsync("admin", unit: null);
        var units = (await (await admin.GetAsync($"{Api}/campaigns/{app.CampaignId}/units")).JsonAsync()).EnumerateArray()
            .ToDictionary(u => u.GetProperty("unit").GetString()!);
        var unit = units[SummariesApp.WeatherUnit];
        Assert.Equal(0, unit.GetProperty("filed").GetInt32());
        Assert.Equal(app.Weather, unit.GetProperty("missing")[0].GetProperty("id").GetInt64());
        Assert.Equal(["气象局联络员:True", "气象局值班员:False"],
            unit.GetProperty("organisers").EnumerateArray().Select(o => $"{o.GetProperty("name").GetString()}:{o.GetProperty("wechat").GetBoolean()}")
                .Where(o => o.StartsWith("气象局", StringComparison.Ordinal)));
        await ProblemAssert.IsProblemAsync(await weather.GetAsync($"{Api}/campaigns/{app.CampaignId}/units"), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(await weather.PostAsync($"{Api}/campaigns/{app.CampaignId}/remind", null), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(await admin.PostAsync($"{Api}/campaigns/999999/remind", null), HttpStatusCode.NotFound, "not_found");

        // The button answers at once; the message is the job's.
        var sendsBefore = app.Wechat.CallsTo("/cgi-bin/message/template/send").Count;
        var remind = await (await admin.PostAsync($"{Api}/campaigns/{app.CampaignId}/remind", null)).JsonAsync(HttpStatusCode.Accepted);
        Assert.True(remind.GetProperty("units").GetInt32() >= 1);
        Assert.Equal(1, remind.GetProperty("byWechat").GetInt32());
        Assert.Equal(sendsBefore, app.Wechat.CallsTo("/cgi-bin/message/template/send").Count);
        var jobId = remind.GetProperty("jobId").GetString()!;
        var args = await app.ScalarAsync<string>($"SELECT arguments FROM hangfire.job WHERE id = {long.Parse(jobId, System.Globalization.CultureInfo.InvariantCulture)}");
        Assert.Contains("SummaryReminderJob", await app.ScalarAsync<string>($"SELECT invocationdata FROM hangfire.job WHERE id = {jobId}"));
        var jobArgs = JsonSerializer.Deserialize<string[]>(args!)!;
        var token = JsonSerializer.Deserialize<string>(jobArgs[1])!;

        var job = app.Services.GetRequiredService<SummaryReminderJob>();
        Assert.Equal(1, await job.RunAsync(app.CampaignId, token, "管理员", CancellationToken.None));
        Assert.Equal(0, await job.RunAsync(app.CampaignId, token, "管理员", CancellationToken.None)); // a retried job creates nothing twice
        var campaign = await app.ScalarAsync<long>($"SELECT id FROM delivery_campaigns WHERE source = 'summary-reminder:{app.CampaignId}:{token}'");
        await app.Services.GetRequiredService<DeliveryDispatcher>().RunAsync(campaign);

        var sent = app.Wechat.CallsTo("/cgi-bin/message/template/send").Where(c => c.OpenId == openid).ToList();
        var call = Assert.Single(sent);
        Assert.Equal(0, call.Errcode);
        Assert.Contains(SummariesApp.SummaryTemplate, call.Body);
        Assert.Contains("全国科普日活动总结", call.Body);
        Assert.Contains("2026年12月20日 23:59", call.Body);
        Assert.Equal("sent", await app.ScalarAsync<string>($"SELECT status FROM deliveries WHERE campaign_id = {campaign}"));
        Assert.Equal(1, await app.ScalarAsync<long>($"SELECT count(*) FROM staff_audit_log WHERE action = 'summary.remind'"));
    }

    [Fact]
    public async Task The_morning_job_reminds_once_a_day_for_a_campaign_whose_deadline_is_within_three_days()
    {
        await app.ArrangeAsync();
        const string openid = "oMn4Rt8vQ2kLp6sW1xZc9bN3hJ5d";
        app.Wechat.AddFollower(ConsoleApp.OaAppId, openid);
        using var museum = await app.StaffClientAsync("organiser", ConsoleApp.Unit, name: "科技馆值班员");
        await using (var conn = await app.OpenAsync())
        {
            await conn.ExecuteAsync("UPDATE staff_accounts SET openid = @openid WHERE display_name = '科技馆值班员'", new { openid });
        }

        var campaign = await app.CampaignAsync("bagui-2024");
        using var admin = await app.StaffAsync("admin", unit: null);
        var job = app.Services.GetRequiredService<SummaryReminderJob>();
        var source = $"summary-reminder:{campaign}:day-20261129";
        try
        {
            // Four days ahead: not yet.
            await (await admin.PutAsJsonAsync($"{Api}/campaigns/{campaign}", new { periodFrom = "2026-01-01", periodTo = "2026-12-31", deadline = "2026-12-03T09:00:00+08:00" })).JsonAsync();
            await job.RemindDueAsync(CancellationToken.None);
            Assert.Equal(0, await app.ScalarAsync<long>($"SELECT count(*) FROM delivery_campaigns WHERE source = '{source}'"));

            // Two days ahead: today's reminder, once however often the job runs.
            await (await admin.PutAsJsonAsync($"{Api}/campaigns/{campaign}", new { periodFrom = "2026-01-01", periodTo = "2026-12-31", deadline = "2026-12-01T18:00:00+08:00" })).JsonAsync();
            await job.RemindDueAsync(CancellationToken.None);
            await job.RemindDueAsync(CancellationToken.None);
            Assert.Equal(1, await app.ScalarAsync<long>($"SELECT count(*) FROM delivery_campaigns WHERE source = '{source}' AND kind = 'summary_reminder'"));
            Assert.Equal(1, await app.ScalarAsync<long>($"SELECT count(*) FROM deliveries d JOIN delivery_campaigns c ON c.id = d.campaign_id WHERE c.source = '{source}' AND d.openid = '{openid}'"));
        }
        finally
        {
            await (await admin.PutAsJsonAsync($"{Api}/campaigns/{campaign}", new { periodFrom = "2024-01-01", periodTo = "2024-12-31", deadline = "2024-12-31T23:59:59+08:00" })).JsonAsync();
        }
    }

    [Fact]
    public async Task Reminding_when_every_unit_has_filed_is_refused()
    {
        var campaign = await app.CampaignAsync("bagui-2024");
        using var admin = await app.StaffAsync("admin", unit: null);
        // A period with no activity at all: nobody has anything to file.
        await (await admin.PutAsJsonAsync($"{Api}/campaigns/{campaign}", new { periodFrom = "2030-01-01", periodTo = "2030-01-31", deadline = "2030-02-01T00:00:00+08:00" })).JsonAsync();
        try
        {
            await ProblemAssert.IsProblemAsync(await admin.PostAsync($"{Api}/campaigns/{campaign}/remind", null), HttpStatusCode.Conflict, "all_filed");
        }
        finally
        {
            await (await admin.PutAsJsonAsync($"{Api}/campaigns/{campaign}", new { periodFrom = "2024-01-01", periodTo = "2024-12-31", deadline = "2024-12-31T23:59:59+08:00" })).JsonAsync();
        }
    }

    [Fact]
    public async Task The_campaign_workbook_has_an_overview_and_a_sheet_per_unit_whose_figures_match_the_database()
    {
        await app.ArrangeAsync();
        using var organiser = await app.StaffAsync("organiser");
        await organiser.FileAsync(app.CampaignId, app.WithSignups, Form(text: "两场实验课。", photos: [("a.jpg", Jpeg)]));
        using var admin = await app.StaffAsync("admin", unit: null);
        await ProblemAssert.IsProblemAsync(await organiser.GetAsync($"{Api}/campaigns/{app.CampaignId}/export.xlsx"), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(await admin.GetAsync($"{Api}/campaigns/999999/export.xlsx"), HttpStatusCode.NotFound, "not_found");

        var response = await admin.GetAsync($"{Api}/campaigns/{app.CampaignId}/export.xlsx");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType?.MediaType);
        using var workbook = new XLWorkbook(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        Assert.Equal(["总览", ConsoleApp.Unit, SummariesApp.WeatherUnit, SummariesApp.HostOnlyUnit], workbook.Worksheets.Select(w => w.Name));

        // The database's own figures for 柳州科技馆 (T.1 and T.3), by plain per-table counts over the period in Shanghai time.
        await using var conn = await app.OpenAsync();
        var figures = await conn.QuerySingleAsync<(long Sessions, long Places, long Signups, long Checkins, long Promotions)>("""
            SELECT count(DISTINCT s.id), (SELECT sum(capacity) FROM sessions x WHERE x.activity_id = ANY (@ids) AND x.status <> 'cancelled'
                                            AND x.starts_at >= '2026-11-01 00:00+08' AND x.starts_at < '2027-01-01 00:00+08'),
                   count(su.id) FILTER (WHERE su.status IN ('confirmed', 'checked_in')), count(su.id) FILTER (WHERE su.status = 'checked_in'),
                   count(su.id) FILTER (WHERE su.promoted_at IS NOT NULL)
            FROM sessions s LEFT JOIN signups su ON su.session_id = s.id
            WHERE s.activity_id = ANY (@ids) AND s.status <> 'cancelled' AND s.starts_at >= '2026-11-01 00:00+08' AND s.starts_at < '2027-01-01 00:00+08'
            """, new { ids = new[] { app.WithSignups, app.HostOnly } });
        var reminders = await conn.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM deliveries d JOIN delivery_campaigns c ON c.id = d.campaign_id JOIN sessions s ON s.id = c.session_id
            WHERE s.activity_id = @a AND c.kind = 'session_reminder' AND d.status = 'sent'
            """, new { a = app.WithSignups });
        var followers = await conn.ExecuteScalarAsync<long>("""
            SELECT count(DISTINCT ps.openid) FROM poster_scans ps JOIN poster_codes pc ON pc.id = ps.code_id
            WHERE pc.activity_id = @a AND ps.new_follower AND ps.at >= '2026-11-01 00:00+08' AND ps.at < '2027-01-01 00:00+08'
            """, new { a = app.WithSignups });
        var filed = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM activity_summaries WHERE campaign_id = @c AND activity_id = ANY (@ids)",
            new { c = app.CampaignId, ids = new[] { app.WithSignups, app.HostOnly } });
        var hostOnlyParticipants = await conn.ExecuteScalarAsync<long?>("SELECT participants_entered FROM activity_summaries WHERE campaign_id = @c AND activity_id = @a",
            new { c = app.CampaignId, a = app.HostOnly }) ?? 0;
        // What was arranged, so the database query above cannot drift with it.
        Assert.Equal((3L, 19L, 10L, 4L, 4L), figures);
        Assert.Equal((5L, 3L), (reminders, followers));

        var overview = Rows(workbook.Worksheet("总览"));
        var museum = overview.Single(r => r["单位"] == ConsoleApp.Unit);
        Assert.Equal("2", museum["负责活动"]);
        Assert.Equal(filed.ToString(), museum["已报送"]);
        Assert.Equal((2 - filed).ToString(), museum["未报送"]);
        Assert.Equal(figures.Sessions.ToString(), museum["场次"]);
        Assert.Equal(figures.Places.ToString(), museum["名额"]);
        Assert.Equal(figures.Signups.ToString(), museum["报名"]);
        Assert.Equal(figures.Checkins.ToString(), museum["签到"]);
        Assert.Equal("40", museum["到场率(%)"]);
        Assert.Equal(figures.Promotions.ToString(), museum["候补转正"]);
        Assert.Equal(reminders.ToString(), museum["提醒送达"]);
        Assert.Equal(followers.ToString(), museum["新增关注"]);
        Assert.Equal((figures.Checkins + hostOnlyParticipants).ToString(), museum["参与人数"]);
        var weather = overview.Single(r => r["单位"] == SummariesApp.WeatherUnit);
        Assert.Equal(("1", "0", "1", "0"), (weather["负责活动"], weather["已报送"], weather["未报送"], weather["场次"]));
        Assert.Equal("", weather["到场率(%)"]);
        var total = overview.Single(r => r["单位"].StartsWith("合计", StringComparison.Ordinal));
        Assert.Equal("3", total["负责活动"]); // T.3 answers to two units but is one activity

        var sheet = Rows(workbook.Worksheet(ConsoleApp.Unit));
        Assert.Equal(["T.1", "T.3"], sheet.Select(r => r["编号"]));
        var withSignups = sheet[0];
        Assert.Equal(("已报送", "4", "3", "10", "4", "40"), (withSignups["总结"], withSignups["参与人数"], withSignups["场次"], withSignups["报名"], withSignups["签到"], withSignups["到场率(%)"]));
        Assert.Equal("2026-12-05至2026-12-06", withSignups["举办日期"]);
        Assert.Equal("两场实验课。", withSignups["总结内容"]);
        Assert.Equal(filed == 2 ? "已报送" : "未报送", sheet[1]["总结"]);
        Assert.Equal("未报送", Rows(workbook.Worksheet(SummariesApp.WeatherUnit)).Single()["总结"]);
        Assert.True(await app.ScalarAsync<long>($"SELECT count(*) FROM staff_audit_log WHERE action = 'export.summary' AND target = 'summary_campaign:{app.CampaignId}'") >= 1);
    }

    /// <summary>A sheet's data rows, each by its header.</summary>
    internal static List<Dictionary<string, string>> Rows(IXLWorksheet sheet)
    {
        var headers = sheet.Row(1).CellsUsed().ToDictionary(c => c.Address.ColumnNumber, c => c.GetString());
        return sheet.RowsUsed().Skip(1)
            .Select(row => headers.ToDictionary(h => h.Value, h => row.Cell(h.Key).GetFormattedString()))
            .ToList();
    }
}
