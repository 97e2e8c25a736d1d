using Microsoft.AspNetCore.Hosting;
using WechatKepu.Server.Tests.Delivery;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Reminders;

/// <summary>
/// <see cref="DeliveryApp"/> with a template for every parent notice (the change notice too) on both channels,
/// and the simulated mini-program publishing exactly the pages of miniprogram/app.json.
/// </summary>
public class NoticeApp : DeliveryApp
{
    public const string ChangedTemplate = "tmpl-session-changed";
    public const string OaChangedTemplate = "oa-tmpl-changed";

    protected override void Configure(IWebHostBuilder builder)
    {
        base.Configure(builder);
        builder.UseSetting("Wechat:MiniProgram:Templates:3:Id", ChangedTemplate);
        builder.UseSetting("Wechat:MiniProgram:Templates:3:Purpose", "session_changed");
        builder.UseSetting("Wechat:MiniProgram:Templates:3:Title", "活动变更通知");
        builder.UseSetting("Reminders:OfficialAccountTemplates:SessionChanged", OaChangedTemplate);
        foreach (var page in MiniProgramPages.All())
        {
            Wechat.AddPage(MpAppId, page);
        }
    }
}
