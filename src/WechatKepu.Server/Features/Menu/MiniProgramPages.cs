namespace WechatKepu.Server.Features.Menu;

/// <param name="Path">As in miniprogram/app.json.</param>
/// <param name="Label">What staff choose from.</param>
/// <param name="QueryKey">The query parameter the page's onLoad needs (null: it opens without one, so a menu button may open it).</param>
public sealed record MiniProgramPage(string Path, string Label, string? QueryKey);

/// <summary>
/// The mini-program's pages, as <c>miniprogram/app.json</c> declares them (<c>MiniProgramPagesTests</c> fails when
/// the two differ): staff pick menu targets and mini-program codes from this list, never type a path.
/// </summary>
public static class MiniProgramPages
{
    public static IReadOnlyList<MiniProgramPage> All { get; } =
    [
        new("pages/index/index", "活动列表（首页）", null),
        new("pages/activity/activity", "活动详情", "id"),
        new("pages/signup/signup", "场次报名", "sessionId"),
        new("pages/signups/signups", "我的报名", null),
        new("pages/checkin/checkin", "签到码", "id"),
        new("pages/me/me", "我的", null),
        new("pages/mydata/mydata", "我的数据", null),
    ];

    /// <summary>The page a session's mini-program code opens; it reads <c>sessionId</c> from the code's scene.</summary>
    public static MiniProgramPage Session => All.Single(p => p.QueryKey == "sessionId");

    /// <summary>An activity's page (its sessions and the way to sign up), by <c>id</c>.</summary>
    public static MiniProgramPage Activity => All.Single(p => p.Path == "pages/activity/activity");

    public static MiniProgramPage? Find(string? path) => All.FirstOrDefault(p => p.Path == path);
}
