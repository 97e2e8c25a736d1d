using System.Net;
using System.Net.Http.Json;
using ClosedXML.Excel;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Console;

/// <summary>活动备案: the activities as rows of the national 科普日 site's form (<c>GET /api/console/activities/filing.xlsx</c>).</summary>
public sealed class ActivityFilingTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    private static async Task<IXLWorksheet> SheetAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType?.MediaType);
        var workbook = new XLWorkbook(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        return workbook.Worksheet("活动备案");
    }

    private static Dictionary<string, string> Row(IXLWorksheet sheet, IXLRow row) =>
        sheet.Row(1).CellsUsed().ToDictionary(h => h.GetString(), h => row.Cell(h.Address.ColumnNumber).GetString());

    [Fact]
    public async Task An_organiser_gets_their_units_activities_in_the_forms_columns_one_row_per_session()
    {
        using var organiser = await app.StaffAsync("organiser");
        var activity = await app.ActivityIdAsync();
        var starts = new DateTimeOffset(2027, 3, 20, 9, 30, 0, TimeSpan.FromHours(8));
        (await organiser.PostAsJsonAsync($"/api/console/activities/{activity}/sessions", ConsoleHttp.Session(starts, capacity: 25, title: "备案场次"))).EnsureSuccessStatusCode();

        var sheet = await SheetAsync(await organiser.GetAsync("/api/console/activities/filing.xlsx"));
        Assert.Equal(["活动名称", "活动时间", "开始时间", "结束时间", "活动地点", "所在区县", "主办单位", "承办单位", "协办单位", "面向人群", "活动简介", "活动类别", "方案编号", "场次", "名额"],
            sheet.Row(1).CellsUsed().Select(c => c.GetString()));
        var rows = sheet.RowsUsed().Skip(1).Select(r => Row(sheet, r)).ToList();
        var session = Assert.Single(rows, r => r["场次"] == "备案场次");
        Assert.Equal("2027-03-20 09:30 至 11:30", session["活动时间"]);
        Assert.Equal("柳州科技馆一楼", session["活动地点"]);
        Assert.Equal("5.1.2", session["方案编号"]);
        Assert.Equal("25", session["名额"]);
        var plan = await app.ScalarAsync<string>("SELECT title FROM activities WHERE code = '5.1.2'");
        Assert.Equal(plan, session["活动名称"]);
        Assert.Contains(ConsoleApp.Unit, session["主办单位"] + session["承办单位"] + session["协办单位"]);
        // Only activities naming the organiser's unit, and each of them.
        var mine = await app.ScalarAsync<long>($"SELECT count(*) FROM activities WHERE '{ConsoleApp.Unit}' = ANY (host_units || organiser_units || co_organiser_units)");
        Assert.Equal(mine, rows.Select(r => r["方案编号"]).Distinct().Count());
        Assert.All(rows, r => Assert.Contains(ConsoleApp.Unit, r["主办单位"] + "、" + r["承办单位"] + "、" + r["协办单位"]));
    }

    [Fact]
    public async Task An_admin_narrows_the_filing_with_the_lists_filters()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        var sheet = await SheetAsync(await admin.GetAsync("/api/console/activities/filing.xlsx?district=" + Uri.EscapeDataString("鹿寨县")));
        var rows = sheet.RowsUsed().Skip(1).Select(r => Row(sheet, r)).ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Contains("鹿寨县", r["所在区县"]));
        var all = await SheetAsync(await admin.GetAsync("/api/console/activities/filing.xlsx"));
        Assert.Equal(await app.ScalarAsync<long>("SELECT count(*) FROM activities"),
            all.RowsUsed().Skip(1).Select(r => Row(all, r)["方案编号"]).Distinct().LongCount());
    }

    [Fact]
    public async Task Bad_filters_are_400_and_viewers_and_strangers_are_refused()
    {
        using var admin = await app.StaffAsync("admin", unit: null);
        await ProblemAssert.NamesParameterAsync(await admin.GetAsync("/api/console/activities/filing.xlsx?month=2027-13"), "month");
        await ProblemAssert.NamesParameterAsync(await admin.GetAsync("/api/console/activities/filing.xlsx?unit=" + Uri.EscapeDataString("没有这个单位")), "unit");
        using var viewer = await app.StaffAsync("viewer", unit: null);
        await ProblemAssert.IsProblemAsync(await viewer.GetAsync("/api/console/activities/filing.xlsx"), HttpStatusCode.Forbidden);
        using var anonymous = app.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/console/activities/filing.xlsx")).StatusCode);
    }
}
