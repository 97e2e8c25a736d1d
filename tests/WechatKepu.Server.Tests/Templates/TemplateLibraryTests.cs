using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using WechatKepu.Server.Tests.Console;
using WechatKepu.Server.Tests.Infrastructure;
using WechatKepu.Simulator;
using static WechatKepu.Server.Tests.Templates.TemplateTestData;

namespace WechatKepu.Server.Tests.Templates;

/// <summary>Template ids and shapes the library tests share.</summary>
internal static class TemplateTestData
{
    public static string NewId() => ("T" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"))[..43];

    public static JsonElement Find(JsonElement library, string templateId) =>
        library.GetProperty("templates").EnumerateArray().Single(t => t.GetProperty("templateId").GetString() == templateId);

    public static bool Holds(JsonElement library, string templateId) =>
        library.GetProperty("templates").EnumerateArray().Any(t => t.GetProperty("templateId").GetString() == templateId);

    public static SimTemplate ActivityTemplate(string id) => new(id, "活动开始提醒",
        "活动名称:{{thing1.DATA}}\n开始时间:{{time2.DATA}}\n活动地点:{{thing3.DATA}}\n报名编号:{{character_string4.DATA}}\n状态:{{phrase5.DATA}}\n",
        "活动名称:科普日启动仪式\n开始时间:2024年9月19日 09:30\n");
}

/// <summary>The first visit of the library syncs it (its own server: nobody has synced before).</summary>
public sealed class TemplateFirstVisitTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    [Fact]
    public async Task The_first_visit_syncs_both_lists_and_each_template_has_a_form_from_its_fields()
    {
        var oa = NewId();
        var legacy = NewId();
        var mp = NewId();
        app.Wechat.AddTemplate(ConsoleApp.OaAppId, ActivityTemplate(oa));
        app.Wechat.AddTemplate(ConsoleApp.OaAppId, new SimTemplate(legacy, "领取奖金提醒", "{{first.DATA}}\n领奖金额:{{keyword1.DATA}}\n{{remark.DATA}}"));
        app.Wechat.AddTemplate(KepuApp.MpAppId, new SimTemplate(mp, "洗衣机故障提醒", "完成时间:{{time1.DATA}}\n所在位置:{{enum_string2.DATA}}\n", Type: 3,
            Enums: new Dictionary<string, string[]> { ["enum_string2.DATA"] = ["客厅", "卧室"] }));
        using var viewer = await app.StaffAsync("viewer");

        var library = await (await viewer.GetAsync("/api/console/templates")).JsonAsync();

        var accounts = library.GetProperty("accounts").EnumerateArray().ToList();
        Assert.Contains(accounts, a => a.GetProperty("appId").GetString() == ConsoleApp.OaAppId && a.GetProperty("lastSynced").ValueKind == JsonValueKind.String);
        Assert.Contains(accounts, a => a.GetProperty("channel").GetString() == "mp_subscribe");
        var activity = Find(library, oa);
        Assert.Equal(("oa_template", "活动开始提醒", "柳州科协"), (activity.GetProperty("channel").GetString(), activity.GetProperty("title").GetString(),
            activity.GetProperty("accountName").GetString()));
        Assert.Equal(["thing1:thing:活动名称", "time2:time:开始时间", "thing3:thing:活动地点", "character_string4:character_string:报名编号", "phrase5:phrase:状态"],
            activity.GetProperty("fields").EnumerateArray().Select(f => $"{f.GetProperty("key")}:{f.GetProperty("kind")}:{f.GetProperty("label")}"));
        Assert.Equal(20, activity.GetProperty("fields")[0].GetProperty("max").GetInt32());
        var old = Find(library, legacy).GetProperty("fields").EnumerateArray().ToList();
        Assert.Equal([false, true, false], old.Select(f => f.GetProperty("shown").GetBoolean()));
        var washer = Find(library, mp);
        Assert.Equal(3, washer.GetProperty("subscribeType").GetInt32());
        Assert.Equal(["客厅", "卧室"], washer.GetProperty("fields")[1].GetProperty("enumValues").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(1, app.Wechat.CountCalls("/wxaapi/newtmpl/gettemplate"));

        // Only the first visit syncs by itself.
        await (await viewer.GetAsync("/api/console/templates?channel=oa_template")).JsonAsync();
        Assert.Equal(1, app.Wechat.CountCalls("/cgi-bin/template/get_all_private_template"));
    }
}

/// <summary>The template library: synced from the simulator's lists, fields parsed, values checked by kind, previewed.</summary>
public sealed class TemplateLibraryTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{

    [Fact]
    public async Task A_template_deleted_in_wechat_stays_marked_gone_while_a_topic_uses_it_and_otherwise_leaves_the_library()
    {
        var used = NewId();
        var unused = NewId();
        app.Wechat.AddTemplate(ConsoleApp.OaAppId, ActivityTemplate(used));
        app.Wechat.AddTemplate(ConsoleApp.OaAppId, ActivityTemplate(unused));
        using var admin = await app.StaffAsync("admin", unit: null);
        await (await admin.PostAsJsonAsync("/api/console/templates/sync", new { appId = ConsoleApp.OaAppId })).JsonAsync();
        await app.ScalarAsync<int?>($"INSERT INTO reminder_topics (app_id, name, template_id) VALUES ('{ConsoleApp.OaAppId}', '留存主题{used[..6]}', '{used}')");

        app.Wechat.RemoveTemplate(ConsoleApp.OaAppId, used);
        app.Wechat.RemoveTemplate(ConsoleApp.OaAppId, unused);
        var results = await (await admin.PostAsJsonAsync("/api/console/templates/sync", new { })).JsonAsync();
        var library = await (await admin.GetAsync($"/api/console/templates?appId={ConsoleApp.OaAppId}")).JsonAsync();

        var oaResult = results.EnumerateArray().Single(r => r.GetProperty("appId").GetString() == ConsoleApp.OaAppId);
        Assert.True(oaResult.GetProperty("gone").GetInt32() >= 2);
        var gone = Find(library, used);
        Assert.True(gone.GetProperty("gone").GetBoolean());
        Assert.Equal(1, gone.GetProperty("topics").GetInt32());
        Assert.False(Holds(library, unused));

        // Added back in WeChat: usable again.
        app.Wechat.AddTemplate(ConsoleApp.OaAppId, ActivityTemplate(used));
        await (await admin.PostAsJsonAsync("/api/console/templates/sync", new { appId = ConsoleApp.OaAppId })).JsonAsync();
        Assert.False(Find(await (await admin.GetAsync("/api/console/templates")).JsonAsync(), used).GetProperty("gone").GetBoolean());
    }

    [Fact]
    public async Task A_refused_sync_keeps_the_library_and_says_why_in_chinese()
    {
        var kept = NewId();
        app.Wechat.AddTemplate(ConsoleApp.OaAppId, ActivityTemplate(kept));
        using var organiser = await app.StaffAsync("organiser");
        await (await organiser.PostAsJsonAsync("/api/console/templates/sync", new { appId = ConsoleApp.OaAppId })).JsonAsync();

        app.Wechat.Faults.FailNext(1, 48001, "/cgi-bin/template/get_all_private_template");
        var results = await (await organiser.PostAsJsonAsync("/api/console/templates/sync", new { appId = ConsoleApp.OaAppId })).JsonAsync();
        var library = await (await organiser.GetAsync("/api/console/templates")).JsonAsync();

        Assert.Contains("48001", Assert.Single(results.EnumerateArray()).GetProperty("error").GetString());
        Assert.Contains("模板消息接口权限", library.GetProperty("accounts").EnumerateArray()
            .Single(a => a.GetProperty("appId").GetString() == ConsoleApp.OaAppId).GetProperty("error").GetString());
        Assert.False(Find(library, kept).GetProperty("gone").GetBoolean());
    }

    [Fact]
    public async Task The_preview_shows_the_message_as_wechat_does_and_refuses_each_bad_field_in_chinese()
    {
        var id = NewId();
        app.Wechat.AddTemplate(ConsoleApp.OaAppId, ActivityTemplate(id));
        using var viewer = await app.StaffAsync("viewer");
        using var admin = await app.StaffAsync("admin", unit: null);
        await (await admin.PostAsJsonAsync("/api/console/templates/sync", new { appId = ConsoleApp.OaAppId })).JsonAsync();
        var libraryId = Find(await (await viewer.GetAsync("/api/console/templates")).JsonAsync(), id).GetProperty("id").GetInt64();

        var preview = await (await viewer.PostAsJsonAsync($"/api/console/templates/{libraryId}/preview", new
        {
            data = new Dictionary<string, string>
            {
                ["thing1"] = "科普日柳州启动仪式", ["time2"] = "2024年9月19日 09:30", ["thing3"] = "柳州科技馆",
                ["character_string4"] = "KP-20240919", ["phrase5"] = "即将开始",
            },
        })).JsonAsync();
        Assert.Equal("活动开始提醒", preview.GetProperty("title").GetString());
        Assert.Equal(["活动名称:科普日柳州启动仪式", "开始时间:2024年9月19日 09:30", "活动地点:柳州科技馆", "报名编号:KP-20240919", "状态:即将开始"],
            preview.GetProperty("lines").EnumerateArray().Select(l => $"{l.GetProperty("label")}:{l.GetProperty("value")}"));

        var refused = await viewer.PostAsJsonAsync($"/api/console/templates/{libraryId}/preview", new
        {
            data = new Dictionary<string, string>
            {
                ["thing1"] = "全市居民健康素养线上知识问答活动第二期答题开始啦", ["time2"] = "明天上午", ["thing3"] = "",
                ["character_string4"] = "报名编号一", ["phrase5"] = "OK", ["keyword9"] = "x",
            },
        });
        var problem = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.BadRequest, "validation");
        var errors = problem.GetProperty("errors");
        Assert.Contains("20 个以内", errors.GetProperty("data.thing1")[0].GetString());
        Assert.Contains("15:01", errors.GetProperty("data.time2")[0].GetString());
        Assert.Equal("请填写活动地点", errors.GetProperty("data.thing3")[0].GetString());
        Assert.Contains("32 位以内数字、字母或符号", errors.GetProperty("data.character_string4")[0].GetString());
        Assert.Contains("5 个以内汉字", errors.GetProperty("data.phrase5")[0].GetString());
        Assert.Contains("模板没有 keyword9", errors.GetProperty("data.keyword9")[0].GetString());
    }

    [Fact]
    public async Task Bad_requests_are_problems()
    {
        using var viewer = await app.StaffAsync("viewer");
        await ProblemAssert.NamesParameterAsync(await viewer.GetAsync("/api/console/templates?channel=sms"), "channel");
        await ProblemAssert.IsProblemAsync(await viewer.GetAsync("/api/console/templates/987654321"), HttpStatusCode.NotFound, "not_found");
        await ProblemAssert.IsProblemAsync(await viewer.PostAsJsonAsync("/api/console/templates/987654321/preview", new { data = new { } }),
            HttpStatusCode.NotFound, "not_found");
        await ProblemAssert.IsProblemAsync(await viewer.PostAsJsonAsync("/api/console/templates/sync", new { }), HttpStatusCode.Forbidden);
        using var organiser = await app.StaffAsync("organiser");
        await ProblemAssert.NamesParameterAsync(await organiser.PostAsJsonAsync("/api/console/templates/sync", new { appId = "wxnotconfigured0001" }), "appId");
        await ProblemAssert.IsProblemAsync(await viewer.PostAsync("/api/console/templates/1/preview",
            new StringContent("{\"data\": [1]}", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
    }
}
