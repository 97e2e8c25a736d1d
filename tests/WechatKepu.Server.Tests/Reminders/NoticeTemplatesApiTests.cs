using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Reminders;

/// <summary>Staff choose which template field carries the activity, the time, the place and the note.</summary>
public sealed class NoticeTemplatesApiTests(NoticeApp app) : IClassFixture<NoticeApp>
{
    private const string Api = "/api/console/notice-templates";

    [Fact]
    public async Task The_defaults_cover_the_common_templates_and_show_what_a_parent_would_read()
    {
        using var viewer = await app.StaffAsync("viewer");
        var list = await viewer.GetFromJsonAsync<JsonElement>(Api);

        var names = list.EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "活动提醒", "报名成功", "候补转正", "活动取消", "活动变更" }, names);
        var reminder = list.EnumerateArray().Single(t => t.GetProperty("purpose").GetString() == "session_reminder"
                                                         && t.GetProperty("channel").GetString() == "mp_subscribe");
        Assert.True(reminder.GetProperty("isDefault").GetBoolean());
        Assert.Equal(KepuApp.ReminderTemplate, reminder.GetProperty("templateId").GetString());
        Assert.Equal("time2", reminder.GetProperty("fields").GetProperty("time").GetString());
        var example = reminder.GetProperty("example");
        Assert.Equal("科普日柳州启动仪式", example.GetProperty("thing1").GetString());
        Assert.All(example.EnumerateObject(), f => Assert.True(f.Value.GetString()!.Length <= 20, f.Value.GetString()));
    }

    [Fact]
    public async Task Bad_field_choices_are_refused_naming_the_field_and_viewers_cannot_change_them()
    {
        using var viewer = await app.StaffAsync("viewer");
        using var staff = await app.StaffAsync("organiser", "柳州科技馆");
        var url = $"{Api}/session_reminder/mp_subscribe";

        await ProblemAssert.IsProblemAsync(await viewer.PutAsJsonAsync(url, new { activity = "thing1", time = "time2" }), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(await staff.PutAsJsonAsync($"{Api}/nonsense/mp_subscribe", new { activity = "thing1", time = "time2" }),
            HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await staff.PutAsJsonAsync($"{Api}/topic_round/mp_subscribe", new { activity = "thing1", time = "time2" }),
            HttpStatusCode.NotFound);
        await ProblemAssert.NamesParameterAsync(await staff.PutAsJsonAsync(url, new { activity = "", time = "time2" }), "activity");
        await ProblemAssert.NamesParameterAsync(await staff.PutAsJsonAsync($"{Api}/session_reminder/oa_template",
            new { activity = "keyword1", time = "keyword2", note = "remark" }), "note");
        await ProblemAssert.NamesParameterAsync(await staff.PutAsJsonAsync(url, new { activity = "thing1", time = "thing2" }), "time");
        await ProblemAssert.NamesParameterAsync(await staff.PutAsJsonAsync(url, new { activity = "time1", time = "time2" }), "activity");
        await ProblemAssert.NamesParameterAsync(await staff.PutAsJsonAsync(url, new { activity = "character_string1", time = "time2" }), "activity");
        await ProblemAssert.NamesParameterAsync(await staff.PutAsJsonAsync(url, new { activity = "thing1.DATA", time = "time2" }), "activity");
        await ProblemAssert.NamesParameterAsync(await staff.PutAsJsonAsync(url, new { activity = "thing1", time = "time2", place = "thing1" }), "fields");
        var malformed = await staff.PutAsync(url, new StringContent("{\"activity\":", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        Assert.True((await staff.GetFromJsonAsync<JsonElement>(Api)).EnumerateArray().All(t => t.GetProperty("isDefault").GetBoolean()));
    }

    [Fact]
    public async Task A_changed_choice_is_what_the_next_reminder_sends_and_what_the_parent_reads()
    {
        using var staff = await app.StaffAsync("organiser", "柳州科技馆");
        var saved = await staff.PutAsJsonAsync($"{Api}/session_reminder/mp_subscribe",
            new { activity = "thing5", time = "date2", place = "thing7", note = "phrase9" });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var dto = await saved.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(dto.GetProperty("isDefault").GetBoolean());
        Assert.Equal(1, await app.ScalarAsync<long>("SELECT count(*) FROM staff_audit_log WHERE action = 'notice_template.update'"));

        app.Daytime();
        var start = app.NextShanghai(15).AddDays(2);
        var session = await Sessions.CreateAsync(app, 5, 0, startsIn: start - app.Clock.GetUtcNow());
        var (parent, child, _) = await app.ParentAsync(KepuApp.ReminderTemplate);
        await parent.SignUpOkAsync(session, child);
        app.SetShanghai(start.AddHours(-24));
        await app.TickAsync();
        await app.TickAsync();

        var shown = Assert.Single(app.Wechat.DisplayedTo(parent.OpenId));
        Assert.Equal(["date2", "phrase9", "thing5", "thing7"], shown.Sent.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("青少年科学荟", shown.Sent["thing5"]);
        Assert.Equal("柳州科技馆", shown.Sent["thing7"]);
        Assert.Equal("即将开始", shown.Sent["phrase9"]);
    }
}
