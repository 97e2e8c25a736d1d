using System.Net;
using System.Net.Http.Json;
using WechatKepu.Server.Features.MiniProgram;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.MiniProgram;

public sealed class MpProfileTests(KepuApp app) : IClassFixture<KepuApp>
{
    [Fact]
    public async Task Guardian_sees_their_own_full_phone_and_a_masked_one()
    {
        var parent = await Parent.LoginAsync(app);
        await parent.SaveGuardianAsync("李妈妈", "+86 139-1234-5678");
        var me = (await parent.Http.GetFromJsonAsync<MeDto>("/api/mp/me", KepuApp.Json))!;
        Assert.Equal("李妈妈", me.Guardian!.Name);
        Assert.Equal("13912345678", me.Guardian.Phone);
        Assert.Equal("139****5678", me.Guardian.PhoneMasked);
        Assert.Null(me.Consent);
        Assert.False(me.ConsentCurrent);
    }

    [Theory]
    [InlineData("张三", "12345678901", "phone")]
    [InlineData("张三", "1380013800", "phone")]
    [InlineData("张三", "138001380001", "phone")]
    [InlineData("张三", "23800138000", "phone")]
    [InlineData("张三", "abc", "phone")]
    [InlineData("张三", "", "phone")]
    [InlineData("", "13800138000", "name")]
    [InlineData("   ", "13800138000", "name")]
    [InlineData("这是一个超过三十个字的非常非常非常非常非常非常非常非常长的名字啊啊啊", "13800138000", "name")]
    public async Task Bad_guardian_details_are_400_naming_the_field_and_store_nothing(string name, string phone, string field)
    {
        var parent = await Parent.LoginAsync(app);
        var response = await parent.Http.PutAsJsonAsync("/api/mp/me/guardian", new { name, phone });
        await ProblemAssert.NamesParameterAsync(response, field);
        var me = (await parent.Http.GetFromJsonAsync<MeDto>("/api/mp/me", KepuApp.Json))!;
        Assert.Null(me.Guardian);
    }

    [Fact]
    public async Task No_child_data_is_stored_before_the_guardians_consent()
    {
        var parent = await Parent.LoginAsync(app);
        var before = await app.ScalarAsync<long>("SELECT count(*) FROM children");
        var response = await parent.Http.PostAsJsonAsync("/api/mp/children", new { name = "小明", grade = "三年级", school = "柳州市东环路小学" });
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "consent_required");
        Assert.Equal(before, await app.ScalarAsync<long>("SELECT count(*) FROM children"));
    }

    [Fact]
    public async Task Consent_must_name_the_current_notice_and_be_an_agreement()
    {
        var parent = await Parent.LoginAsync(app);
        await ProblemAssert.NamesParameterAsync(
            await parent.Http.PostAsJsonAsync("/api/mp/me/consent", new { privacyNoticeVersion = "2020-01", agreed = true }), "privacyNoticeVersion");
        await ProblemAssert.NamesParameterAsync(
            await parent.Http.PostAsJsonAsync("/api/mp/me/consent", new { privacyNoticeVersion = "2024-09", agreed = false }), "agreed");
        await ProblemAssert.NamesParameterAsync(
            await parent.Http.PostAsJsonAsync("/api/mp/me/consent", new { privacyNoticeVersion = "2024-09" }), "agreed");

        var ok = await parent.Http.PostAsJsonAsync("/api/mp/me/consent", new { privacyNoticeVersion = "2024-09", agreed = true });
        var consent = (await ok.Content.ReadFromJsonAsync<ConsentDto>(KepuApp.Json))!;
        Assert.Equal("2024-09", consent.Version);
        Assert.Equal(app.Clock.GetUtcNow(), consent.ConsentedAt);
        var notice = (await parent.Http.GetFromJsonAsync<PrivacyNoticeDto>("/api/mp/privacy-notice", KepuApp.Json))!;
        Assert.Equal("2024-09", notice.Version);
        Assert.Contains("监护人", notice.Text);
    }

    [Fact]
    public async Task Children_are_added_read_updated_and_deleted()
    {
        var (parent, _) = await Parent.ReadyAsync(app, children: 0);
        var created = await parent.Http.PostAsJsonAsync("/api/mp/children",
            new { name = "小红", birthYearMonth = "2016-03", school = "柳州市第十二中学", gender = "female" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var child = (await created.Content.ReadFromJsonAsync<ChildDto>(KepuApp.Json))!;
        Assert.Equal("2016-03", child.BirthYearMonth);
        Assert.Null(child.Grade);

        var updated = await parent.Http.PutAsJsonAsync($"/api/mp/children/{child.Id}",
            new { name = "小红", grade = "四年级", school = "柳州市第十二中学" });
        Assert.Equal("四年级", (await updated.Content.ReadFromJsonAsync<ChildDto>(KepuApp.Json))!.Grade);

        Assert.Single((await parent.Http.GetFromJsonAsync<List<ChildDto>>("/api/mp/children", KepuApp.Json))!);
        Assert.Equal(HttpStatusCode.NoContent, (await parent.Http.DeleteAsync($"/api/mp/children/{child.Id}")).StatusCode);
        Assert.Empty((await parent.Http.GetFromJsonAsync<List<ChildDto>>("/api/mp/children", KepuApp.Json))!);
    }

    [Theory]
    [InlineData(null, "三年级", null, "柳州市东环路小学", null, "name")]
    [InlineData("小明", null, null, "柳州市东环路小学", null, "grade")]
    [InlineData("小明", "十年级", null, "柳州市东环路小学", null, "grade")]
    [InlineData("小明", null, "2016-13", "柳州市东环路小学", null, "birthYearMonth")]
    [InlineData("小明", null, "1990-01", "柳州市东环路小学", null, "birthYearMonth")]
    [InlineData("小明", null, "2099-01", "柳州市东环路小学", null, "birthYearMonth")]
    [InlineData("小明", "三年级", null, null, null, "school")]
    [InlineData("小明", "三年级", null, "柳州市东环路小学", "boy", "gender")]
    public async Task Bad_child_details_are_400_naming_the_field_and_store_nothing(
        string? name, string? grade, string? birthYearMonth, string? school, string? gender, string field)
    {
        var (parent, _) = await Parent.ReadyAsync(app, children: 0);
        var response = await parent.Http.PostAsJsonAsync("/api/mp/children", new { name, grade, birthYearMonth, school, gender });
        await ProblemAssert.NamesParameterAsync(response, field);
        Assert.Empty((await parent.Http.GetFromJsonAsync<List<ChildDto>>("/api/mp/children", KepuApp.Json))!);
    }

    [Fact]
    public async Task A_guardian_may_add_at_most_five_children()
    {
        var (parent, _) = await Parent.ReadyAsync(app, children: 5);
        var sixth = await parent.Http.PostAsJsonAsync("/api/mp/children", new { name = "老六", grade = "一年级", school = "柳州市东环路小学" });
        await ProblemAssert.IsProblemAsync(sixth, HttpStatusCode.Conflict, "too_many_children");
        Assert.Equal(5, (await parent.Http.GetFromJsonAsync<List<ChildDto>>("/api/mp/children", KepuApp.Json))!.Count);
    }

    [Fact]
    public async Task Another_parents_child_is_404_and_stays_untouched()
    {
        var (owner, children) = await Parent.ReadyAsync(app);
        var (other, _) = await Parent.ReadyAsync(app, children: 0);
        var id = children[0].Id;
        await ProblemAssert.IsProblemAsync(await other.Http.PutAsJsonAsync($"/api/mp/children/{id}",
            new { name = "改名", grade = "一年级", school = "某校" }), HttpStatusCode.NotFound, "child_not_found");
        await ProblemAssert.IsProblemAsync(await other.Http.DeleteAsync($"/api/mp/children/{id}"), HttpStatusCode.NotFound, "child_not_found");
        Assert.Equal("孩子1", (await owner.Http.GetFromJsonAsync<List<ChildDto>>("/api/mp/children", KepuApp.Json))![0].Name);
    }

    /// <summary>Route ids are typed (<c>{id:long}</c>): one that is not a number matches no route; one that is names nothing.</summary>
    [Theory]
    [InlineData("DELETE", "/api/mp/children/abc", "not_found")]
    [InlineData("PUT", "/api/mp/children/1.5", "not_found")]
    [InlineData("DELETE", "/api/mp/children/0", "child_not_found")]
    [InlineData("DELETE", "/api/mp/children/-1", "child_not_found")]
    [InlineData("GET", "/api/mp/sessions/abc", "not_found")]
    [InlineData("GET", "/api/mp/sessions/0", "session_not_found")]
    [InlineData("POST", "/api/mp/sessions/99999999999999999999/signups", "not_found")]
    [InlineData("DELETE", "/api/mp/signups/abc", "not_found")]
    [InlineData("GET", "/api/mp/signups/abc/checkin-code", "not_found")]
    [InlineData("GET", "/api/mp/signups/x1/checkin-code.png", "not_found")]
    [InlineData("GET", "/api/mp/signups/-3/checkin-code", "signup_not_found")]
    public async Task Bad_ids_are_a_404_in_chinese(string method, string url, string code)
    {
        var (parent, _) = await Parent.ReadyAsync(app, children: 0);
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        await ProblemAssert.IsChineseNotFoundAsync(await parent.Http.SendAsync(request), code);
    }
}
