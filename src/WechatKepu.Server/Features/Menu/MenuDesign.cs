using System.Text;
using WechatKepu.Server.Features.Replies;
using WechatKepu.Wechat.Api.Models.Menu;

namespace WechatKepu.Server.Features.Menu;

/// <summary>
/// One button as the editor holds it: what it does, chosen from lists, never a typed key.
/// <c>kind</c>: <c>command</c> (a built-in command), <c>reply</c> (a keyword rule's answer), <c>view</c> (a web page),
/// <c>miniprogram</c> (a page of the mini-program) or <c>group</c> (a top-level button opening 1–5 <c>children</c>).
/// </summary>
public sealed record MenuItem(
    string? Name, string? Kind, string? Command = null, long? ReplyRuleId = null, string? Url = null, string? Page = null,
    IReadOnlyList<MenuItem>? Children = null);

/// <param name="Key">Our value of the command.</param>
/// <param name="Label">The command word followers could type.</param>
/// <param name="EventKey">The CLICK key the button sends.</param>
public sealed record MenuCommand(string Key, string Label, string EventKey);

/// <summary>WeChat's menu rules, checked before anything is sent, and the translation to menu/create's buttons.</summary>
public static class MenuDesign
{
    public const int MaxButtons = 3;
    public const int MaxChildren = 5;
    public const int MaxNameBytes = 16;
    public const int MaxChildNameBytes = 60;
    public const int MaxKeyBytes = 128;
    public const int MaxUrlBytes = 1024;

    /// <summary>Shown to followers on clients that cannot open mini-programs; WeChat requires one on every mini-program button.</summary>
    public const string MiniProgramFallbackUrl = "https://mp.weixin.qq.com/";

    public static IReadOnlyList<MenuCommand> Commands { get; } =
    [
        new("activities", "活动", MenuKeys.Activities),
        new("science_day", "科普日", MenuKeys.ScienceDay),
        new("signup", "报名", MenuKeys.SignUp),
        new("help", "帮助", MenuKeys.Help),
        new("my_topics", "我的订阅", MenuKeys.MyTopics),
    ];

    /// <summary>WeChat's buttons for <paramref name="items"/>, or the Chinese errors by field.</summary>
    /// <param name="replyRules">The account's keyword rules (id → keyword).</param>
    /// <param name="miniProgramAppId">Null when no mini-program is configured.</param>
    public static (IReadOnlyList<MenuButton>? Buttons, Dictionary<string, string[]> Errors) Check(
        IReadOnlyList<MenuItem>? items, IReadOnlyDictionary<long, string> replyRules, string? miniProgramAppId)
    {
        var errors = new Dictionary<string, string[]>();
        if (items is null || items.Count == 0)
        {
            errors["buttons"] = ["菜单至少要有 1 个按钮。"];
            return (null, errors);
        }

        if (items.Count > MaxButtons)
        {
            errors["buttons"] = [$"一级菜单最多 {MaxButtons} 个，现在有 {items.Count} 个。"];
            return (null, errors);
        }

        var buttons = new List<MenuButton>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i] ?? new MenuItem(null, null);
            var at = $"buttons[{i}]";
            var name = CheckName(item.Name, MaxNameBytes, "一级菜单", at, errors);
            if (item.Kind == "group")
            {
                var children = (item.Children ?? []).Select(c => c ?? new MenuItem(null, null)).ToList();
                if (children.Count is 0 or > MaxChildren)
                {
                    errors[$"{at}.children"] = [$"「{name}」的子菜单应有 1 到 {MaxChildren} 个，现在有 {children.Count} 个。"];
                    continue;
                }

                var subs = new List<MenuButton>();
                for (var j = 0; j < children.Count; j++)
                {
                    var childAt = $"{at}.children[{j}]";
                    var childName = CheckName(children[j].Name, MaxChildNameBytes, "子菜单", childAt, errors);
                    if (children[j].Kind == "group")
                    {
                        errors[$"{childAt}.kind"] = ["子菜单下不能再有子菜单。"];
                    }
                    else if (Action(children[j], childName, childAt, replyRules, miniProgramAppId, errors) is { } sub)
                    {
                        subs.Add(sub);
                    }
                }

                buttons.Add(new MenuButton(null, name, SubButtons: subs));
            }
            else if (Action(item, name, at, replyRules, miniProgramAppId, errors) is { } button)
            {
                buttons.Add(button);
            }
        }

        return errors.Count == 0 ? (buttons, errors) : (null, errors);
    }

    private static string CheckName(string? raw, int maxBytes, string what, string at, Dictionary<string, string[]> errors)
    {
        var name = raw?.Trim() ?? "";
        if (name.Length == 0)
        {
            errors[$"{at}.name"] = [$"请填写{what}名称。"];
        }
        else if (Encoding.UTF8.GetByteCount(name) > maxBytes)
        {
            errors[$"{at}.name"] = [$"{what}名称「{name}」太长：微信限 {maxBytes} 字节（约 {maxBytes / 3} 个汉字），现在 {Encoding.UTF8.GetByteCount(name)} 字节。"];
        }

        return name;
    }

    private static MenuButton? Action(
        MenuItem item, string name, string at, IReadOnlyDictionary<long, string> replyRules, string? miniProgramAppId,
        Dictionary<string, string[]> errors)
    {
        switch (item.Kind)
        {
            case "command":
                if (Commands.FirstOrDefault(c => c.Key == item.Command) is { } command)
                {
                    return new MenuButton("click", name, Key: command.EventKey);
                }

                errors[$"{at}.command"] = [$"请为「{name}」选择一个指令。"];
                return null;
            case "reply":
                if (item.ReplyRuleId is { } ruleId && replyRules.ContainsKey(ruleId))
                {
                    return new MenuButton("click", name, Key: MenuKeys.ReplyKey(ruleId));
                }

                errors[$"{at}.replyRuleId"] = [$"请为「{name}」选择一条已有的关键词回复。"];
                return null;
            case "view":
                var url = item.Url?.Trim() ?? "";
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                {
                    errors[$"{at}.url"] = [$"「{name}」的网址应以 http:// 或 https:// 开头。"];
                    return null;
                }

                if (Encoding.UTF8.GetByteCount(url) > MaxUrlBytes)
                {
                    errors[$"{at}.url"] = [$"「{name}」的网址太长：微信限 {MaxUrlBytes} 字节。"];
                    return null;
                }

                return new MenuButton("view", name, Url: url);
            case "miniprogram":
                if (miniProgramAppId is null)
                {
                    errors[$"{at}.page"] = ["尚未配置小程序，不能添加小程序按钮。"];
                    return null;
                }

                if (MiniProgramPages.Find(item.Page) is not { QueryKey: null } page)
                {
                    errors[$"{at}.page"] = [$"请为「{name}」选择一个小程序页面。"];
                    return null;
                }

                return new MenuButton("miniprogram", name, Url: MiniProgramFallbackUrl, AppId: miniProgramAppId, PagePath: page.Path);
            default:
                errors[$"{at}.kind"] = [$"请选择「{name}」按钮的类型。"];
                return null;
        }
    }
}
