using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using WechatKepu.Server.Features.MiniProgram;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.MiniProgram;

/// <summary>Issue 19.18: the notice names who is responsible for the data, how to reach them and how long sign-ups are kept.</summary>
public sealed class PrivacyNoticeTests(KepuApp app) : IClassFixture<KepuApp>
{
    [Fact]
    public async Task The_default_notice_names_the_plans_organiser_its_contact_and_the_retention_in_days()
    {
        using var client = app.CreateClient();
        var notice = (await client.GetFromJsonAsync<PrivacyNoticeDto>("/api/mp/privacy-notice", KepuApp.Json))!;
        Assert.Equal("柳州市科学技术协会", notice.Controller);
        Assert.Equal(90, notice.RetentionDays);
        Assert.Contains("个人信息处理者：柳州市科学技术协会", notice.Text);
        Assert.Contains("0772-2625843", notice.Text);
        Assert.Contains("活动结束 90 天后", notice.Text);
        Assert.DoesNotContain("一段时间", notice.Text);
        Assert.DoesNotContain("{", notice.Text);
    }
}

public sealed class ConfiguredPrivacyNoticeApp : KepuApp
{
    protected override void Configure(IWebHostBuilder builder)
    {
        builder.UseSetting("MiniProgram:PrivacyController", "柳州科技馆");
        builder.UseSetting("MiniProgram:PrivacyContact", "电话 0772-1234567");
        builder.UseSetting("Privacy:PurgeSignupsAfterDays", "30");
    }
}

public sealed class ConfiguredPrivacyNoticeTests(ConfiguredPrivacyNoticeApp app) : IClassFixture<ConfiguredPrivacyNoticeApp>
{
    [Fact]
    public async Task The_controller_contact_and_retention_come_from_configuration()
    {
        using var client = app.CreateClient();
        var notice = (await client.GetFromJsonAsync<PrivacyNoticeDto>("/api/mp/privacy-notice", KepuApp.Json))!;
        Assert.Contains("个人信息处理者：柳州科技馆", notice.Text);
        Assert.Contains("请联系：电话 0772-1234567", notice.Text);
        Assert.Contains("活动结束 30 天后", notice.Text);
        Assert.Equal(("柳州科技馆", "电话 0772-1234567", 30), (notice.Controller, notice.Contact, notice.RetentionDays));
    }
}
