using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WechatKepu.Server.Tests.Infrastructure;
using WechatKepu.Simulator.Platform;

namespace WechatKepu.Server.Tests.Callback;

/// <summary>The staff API for keyword rules, the welcome message and the default reply.</summary>
public sealed class RepliesApiTests(CallbackApp app) : IClassFixture<CallbackApp>
{
    private const string Rules = $"/api/console/replies/{CallbackApp.AppId}/rules";
    private const string Settings = $"/api/console/replies/{CallbackApp.AppId}/settings";

    [Fact]
    public async Task Without_a_staff_cookie_it_is_401_and_a_viewer_cannot_write()
    {
        using var anonymous = app.CreateClient();
        await ProblemAssert.IsProblemAsync(await anonymous.GetAsync(Rules), HttpStatusCode.Unauthorized);

        using var viewer = await app.StaffClientAsync("viewer");
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(Rules)).StatusCode);
        var before = await app.ScalarAsync<long>("SELECT count(*) FROM reply_rules");
        await ProblemAssert.IsProblemAsync(await viewer.PostAsJsonAsync(Rules, new { keyword = "x", matchKind = "exact", replyText = "y" }), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(await viewer.PutAsJsonAsync(Settings, new { welcomeText = "x" }), HttpStatusCode.Forbidden);
        Assert.Equal(before, await app.ScalarAsync<long>("SELECT count(*) FROM reply_rules"));
    }

    [Fact]
    public async Task Only_an_admin_changes_the_accounts_replies_and_each_change_is_audited()
    {
        using var organiser = await app.StaffClientAsync("organiser", unit: "柳州科技馆");
        var before = await app.ScalarAsync<long>("SELECT count(*) FROM reply_rules");
        await ProblemAssert.IsProblemAsync(await organiser.PostAsJsonAsync(Rules, new { keyword = "组织者", matchKind = "exact", replyText = "y" }), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(await organiser.PutAsJsonAsync(Settings, new { welcomeText = "组织者的欢迎语" }), HttpStatusCode.Forbidden);
        Assert.Equal(before, await app.ScalarAsync<long>("SELECT count(*) FROM reply_rules"));

        using var admin = await app.StaffClientAsync("admin", name: "审计管理员");
        var created = await admin.PostAsJsonAsync(Rules, new { keyword = "审计", matchKind = "exact", replyText = "已记录" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{Rules}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync(Settings, new { welcomeText = "欢迎关注" })).StatusCode);
        Assert.Equal(1L, await app.ScalarAsync<long>($"SELECT count(*) FROM staff_audit_log WHERE action = 'reply.create' AND target = 'reply:{id}' AND staff_name = '审计管理员' AND detail -> 'request' ->> 'Keyword' = '审计'"));
        Assert.Equal(1L, await app.ScalarAsync<long>($"SELECT count(*) FROM staff_audit_log WHERE action = 'reply.delete' AND target = 'reply:{id}'"));
        Assert.Equal(1L, await app.ScalarAsync<long>($"SELECT count(*) FROM staff_audit_log WHERE action = 'reply.save_settings' AND target = 'reply:{CallbackApp.AppId}' AND staff_name = '审计管理员'"));
    }

    [Fact]
    public async Task Bad_rules_are_400_naming_the_field_and_write_nothing()
    {
        using var staff = await app.StaffClientAsync("admin");
        var before = await app.ScalarAsync<long>("SELECT count(*) FROM reply_rules");
        await ProblemAssert.NamesParameterAsync(await staff.PostAsJsonAsync(Rules, new { keyword = "", matchKind = "exact", replyText = "y" }), "keyword");
        await ProblemAssert.NamesParameterAsync(await staff.PostAsJsonAsync(Rules, new { keyword = "k", matchKind = "regex", replyText = "y" }), "matchKind");
        await ProblemAssert.NamesParameterAsync(await staff.PostAsJsonAsync(Rules, new { keyword = "k", matchKind = "exact", replyText = new string('长', 2001) }), "replyText");
        await ProblemAssert.NamesParameterAsync(await staff.PostAsJsonAsync(Rules, new { keyword = new string('k', 61), matchKind = "exact", replyText = "y" }), "keyword");
        await ProblemAssert.NamesParameterAsync(await staff.PostAsJsonAsync(Rules, new { keyword = "k", matchKind = "exact", replyText = "y", priority = 5000 }), "priority");
        await ProblemAssert.NamesParameterAsync(await staff.PostAsJsonAsync(Rules, new
        {
            keyword = "k", matchKind = "exact", replyText = "y", activeFrom = "2026-12-02T00:00:00+08:00", activeUntil = "2026-12-01T00:00:00+08:00",
        }), "activeUntil");
        var malformed = await staff.PostAsync(Rules, new StringContent("{\"keyword\":", System.Text.Encoding.UTF8, "application/json"));
        await ProblemAssert.IsProblemAsync(malformed, HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await staff.PostAsJsonAsync("/api/console/replies/wxnope/rules", new { keyword = "k", matchKind = "exact", replyText = "y" }), HttpStatusCode.NotFound);
        Assert.Equal(before, await app.ScalarAsync<long>("SELECT count(*) FROM reply_rules"));

        await ProblemAssert.IsProblemAsync(await staff.PutAsJsonAsync($"{Rules}/999999", new { keyword = "k", matchKind = "exact", replyText = "y" }), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await staff.PutAsJsonAsync($"{Rules}/abc", new { keyword = "k", matchKind = "exact", replyText = "y" }), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await staff.DeleteAsync($"{Rules}/999999"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Rules_are_created_updated_disabled_and_deleted_and_callbacks_follow_at_once()
    {
        using var staff = await app.StaffClientAsync("admin");
        using var platform = app.Platform();
        var created = await staff.PostAsJsonAsync(Rules, new { keyword = "开放时间", matchKind = "contains", replyText = "每天 9:00–17:00\n周一闭馆" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var rule = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = rule.GetProperty("id").GetInt64();
        Assert.Equal("每天 9:00–17:00\n周一闭馆", (await platform.PostAsync(platform.Text("o-api", "科技馆开放时间是？"), CallbackMode.Safe)).Content);

        var updated = await staff.PutAsJsonAsync($"{Rules}/{id}", new { keyword = "开放时间", matchKind = "contains", replyText = "节假日照常开放" });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("节假日照常开放", (await platform.PostAsync(platform.Text("o-api", "开放时间"), CallbackMode.Safe)).Content);

        await staff.PutAsJsonAsync($"{Rules}/{id}", new { keyword = "开放时间", matchKind = "contains", replyText = "节假日照常开放", enabled = false });
        Assert.NotEqual("节假日照常开放", (await platform.PostAsync(platform.Text("o-api", "开放时间"), CallbackMode.Safe)).Content);

        Assert.Equal(HttpStatusCode.NoContent, (await staff.DeleteAsync($"{Rules}/{id}")).StatusCode);
        var list = await staff.GetFromJsonAsync<JsonElement>(Rules);
        Assert.DoesNotContain(list.EnumerateArray(), r => r.GetProperty("id").GetInt64() == id);
    }

    [Fact]
    public async Task The_welcome_message_and_default_reply_are_editable()
    {
        using var staff = await app.StaffClientAsync("admin");
        var saved = await staff.PutAsJsonAsync(Settings, new { welcomeText = "欢迎关注健康柳州！", defaultText = "小编稍后回复您" });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var settings = await staff.GetFromJsonAsync<JsonElement>(Settings);
        Assert.Equal("欢迎关注健康柳州！", settings.GetProperty("welcomeText").GetString());

        using var platform = app.Platform();
        Assert.Equal("欢迎关注健康柳州！", (await platform.PostAsync(PlatformMessages.Subscribe("gh_kepu000000001", "o-welcome", platform.Now), CallbackMode.Compatible)).Content);
        Assert.Equal("小编稍后回复您", (await platform.PostAsync(platform.Text("o-welcome", "随便说说"), CallbackMode.Plaintext)).Content);

        await ProblemAssert.NamesParameterAsync(await staff.PutAsJsonAsync(Settings, new { welcomeText = new string('长', 2001) }), "welcomeText");

        // Cleared again: the built-in texts answer.
        await staff.PutAsJsonAsync(Settings, new { welcomeText = (string?)null, defaultText = (string?)null });
        Assert.Equal(Features.Callback.CallbackDispatcher.DefaultReply, (await platform.PostAsync(platform.Text("o-welcome", "随便说说"), CallbackMode.Plaintext)).Content);

        var accounts = await staff.GetFromJsonAsync<JsonElement>("/api/console/replies/accounts");
        Assert.Contains(accounts.EnumerateArray(), a => a.GetProperty("name").GetString() == "健康柳州");
    }

    [Fact]
    public async Task Replies_over_wechats_2048_bytes_are_refused_at_save_with_a_chinese_reason()
    {
        using var staff = await app.StaffClientAsync("admin");
        var before = await app.ScalarAsync<long>("SELECT count(*) FROM reply_rules");
        var tooLong = new string('长', 683); // 2,049 bytes in UTF-8, far under the old 2,000-character check
        var response = await staff.PostAsJsonAsync(Rules, new { keyword = "超长", matchKind = "exact", replyText = tooLong });
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation");
        var message = problem.GetProperty("errors").GetProperty("replyText")[0].GetString();
        Assert.Contains("2048 字节", message);
        Assert.Contains("2049 字节", message);
        Assert.Equal(before, await app.ScalarAsync<long>("SELECT count(*) FROM reply_rules"));

        var fits = new string('长', 682);
        Assert.Equal(HttpStatusCode.Created, (await staff.PostAsJsonAsync(Rules, new { keyword = "刚好", matchKind = "exact", replyText = fits })).StatusCode);
        using var platform = app.Platform();
        Assert.Equal(fits, (await platform.PostAsync(platform.Text("o-limit", "刚好"), CallbackMode.Safe)).Content);

        await ProblemAssert.NamesParameterAsync(await staff.PutAsJsonAsync(Settings, new { welcomeText = tooLong }), "welcomeText");
        await ProblemAssert.NamesParameterAsync(await staff.PutAsJsonAsync(Settings, new { defaultText = tooLong }), "defaultText");
    }

    [Theory]
    [InlineData("活动", "exact")]
    [InlineData("科普日", "exact")]
    [InlineData("报名", "exact")]
    [InlineData("帮助", "contains")]
    [InlineData("我的订阅", "exact")]
    [InlineData("订阅", "contains")]
    [InlineData("退订 健康素养", "exact")]
    public async Task A_rule_for_a_built_in_command_word_is_refused_since_it_would_never_answer(string keyword, string kind)
    {
        using var staff = await app.StaffClientAsync("admin");
        var response = await staff.PostAsJsonAsync(Rules, new { keyword, matchKind = kind, replyText = "staff text" });
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation");
        Assert.Contains("内置指令", problem.GetProperty("errors").GetProperty("keyword")[0].GetString());
        Assert.Equal(0, await app.ScalarAsync<long>($"SELECT count(*) FROM reply_rules WHERE keyword = '{keyword}'"));

        // Nor can an existing rule be renamed to one.
        var created = await staff.PostAsJsonAsync(Rules, new { keyword = "开馆" + kind + keyword.Length, matchKind = kind, replyText = "staff text" });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await ProblemAssert.NamesParameterAsync(await staff.PutAsJsonAsync($"{Rules}/{id}", new { keyword, matchKind = kind, replyText = "staff text" }), "keyword");
    }

    [Fact]
    public async Task A_rule_for_a_command_word_saved_before_the_check_is_listed_as_never_answering()
    {
        // Saved before command words were refused: it is in the table, enabled, and the 活动 command answers instead.
        var old = await app.ScalarAsync<long>($"INSERT INTO reply_rules (app_id, keyword, match_kind, reply_text) VALUES ('{CallbackApp.AppId}', '活动', 'exact', '旧规则') RETURNING id");
        var fine = await app.ScalarAsync<long>($"INSERT INTO reply_rules (app_id, keyword, match_kind, reply_text) VALUES ('{CallbackApp.AppId}', '开馆时间旧', 'exact', '九点') RETURNING id");
        try
        {
            using var viewer = await app.StaffClientAsync("viewer");
            var rules = (await viewer.GetFromJsonAsync<JsonElement>(Rules)).EnumerateArray().ToDictionary(r => r.GetProperty("id").GetInt64());
            Assert.Contains("内置指令", rules[old].GetProperty("neverAnswers").GetString());
            Assert.Equal(JsonValueKind.Null, rules[fine].GetProperty("neverAnswers").ValueKind);
        }
        finally
        {
            await app.ScalarAsync<long>($"WITH d AS (DELETE FROM reply_rules WHERE id IN ({old}, {fine}) RETURNING 1) SELECT count(*) FROM d");
        }
    }
}
