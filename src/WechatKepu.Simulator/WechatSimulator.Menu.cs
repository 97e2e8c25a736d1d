using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WechatKepu.Simulator;

/// <summary>
/// menu/create, menu/get, menu/delete with WeChat's limits: 1–3 buttons, 1–5 sub-buttons, names of at most
/// 16 bytes (60 in a sub-menu), keys of 128 bytes, URLs of 1024 bytes. WeChat checks the whole menu and keeps
/// the previous one on any error; so does this.
/// </summary>
public sealed partial class WechatSimulator
{
    private static readonly FrozenSet<string> MenuTypes = new[]
    {
        "click", "view", "miniprogram", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album", "pic_weixin",
        "location_select", "media_id", "view_limited", "article_id", "article_view_limited",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> KeyedMenuTypes = new[]
    {
        "click", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album", "pic_weixin", "location_select",
    }.ToFrozenSet(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, JsonArray> _menus = new();

    /// <summary>The account's current menu as menu/get returns its buttons, or null when it has none.</summary>
    public JsonArray? Menu(string appId) => _menus.TryGetValue(appId, out var menu) ? (JsonArray)menu.DeepClone() : null;

    private SimResult MenuCreate(SimRequest r)
    {
        var buttons = Prop(r.Body, "button");
        if (buttons.ValueKind != JsonValueKind.Array || buttons.GetArrayLength() is 0 or > 3)
        {
            return Error(40016, "invalid button size");
        }

        var stored = new JsonArray();
        foreach (var button in buttons.EnumerateArray())
        {
            var subs = Prop(button, "sub_button");
            var hasSubs = subs.ValueKind == JsonValueKind.Array && subs.GetArrayLength() > 0;
            if (Bytes(Str(button, "name")) is 0 or > 16)
            {
                return Error(40018, "invalid button name size");
            }

            if (!hasSubs)
            {
                if (CheckButton(button, sub: false) is { } error)
                {
                    return error;
                }

                stored.Add(Stored(button, []));
                continue;
            }

            if (subs.GetArrayLength() > 5)
            {
                return Error(40023, "invalid sub button size");
            }

            var storedSubs = new JsonArray();
            foreach (var sub in subs.EnumerateArray())
            {
                if (Prop(sub, "sub_button") is { ValueKind: JsonValueKind.Array } deeper && deeper.GetArrayLength() > 0)
                {
                    return Error(40022, "invalid sub button level");
                }

                if (Bytes(Str(sub, "name")) is 0 or > 60)
                {
                    return Error(40025, "invalid sub button name size");
                }

                if (CheckButton(sub, sub: true) is { } error)
                {
                    return error;
                }

                storedSubs.Add(Stored(sub, []));
            }

            stored.Add(new JsonObject { ["name"] = Str(button, "name"), ["sub_button"] = storedSubs });
        }

        _menus[r.Acct.AppId] = stored;
        return Ok();
    }

    private SimResult? CheckButton(JsonElement button, bool sub)
    {
        var type = Str(button, "type");
        if (type is null || !MenuTypes.Contains(type))
        {
            return sub ? Error(40024, "invalid sub button type") : Error(40017, "invalid button type");
        }

        var key = Str(button, "key");
        if (KeyedMenuTypes.Contains(type) ? Bytes(key) is 0 or > 128 : Bytes(key) > 128)
        {
            return sub ? Error(40026, "invalid sub button key size") : Error(40019, "invalid button key size");
        }

        // A miniprogram button needs its url too: what clients without mini-program support open.
        var url = Str(button, "url");
        if (type is "view" or "miniprogram" ? Bytes(url) is 0 or > 1024 : Bytes(url) > 1024)
        {
            return sub ? Error(40027, "invalid sub button url size") : Error(40020, "invalid button url size");
        }

        if (url is not null && !url.StartsWith("http://", StringComparison.Ordinal) && !url.StartsWith("https://", StringComparison.Ordinal))
        {
            return sub ? Error(40054, "invalid sub button url domain") : Error(40055, "invalid button url domain");
        }

        if (type == "miniprogram")
        {
            var appId = Str(button, "appid");
            if (string.IsNullOrEmpty(appId) || !_accounts.TryGetValue(appId, out var miniProgram))
            {
                return Error(40013, "invalid appid");
            }

            var page = Str(button, "pagepath");
            if (string.IsNullOrEmpty(page) || (!miniProgram.Pages.IsEmpty && !miniProgram.Pages.ContainsKey(page.Split('?')[0])))
            {
                return Error(40165, "invalid weapp pagepath");
            }
        }

        return null;
    }

    // menu/get shows every button with a sub_button array, empty for a button without a sub-menu.
    private static JsonObject Stored(JsonElement button, JsonArray subs)
    {
        var stored = new JsonObject();
        foreach (var property in button.EnumerateObject())
        {
            if (property.Name != "sub_button")
            {
                stored[property.Name] = JsonNode.Parse(property.Value.GetRawText());
            }
        }

        stored["sub_button"] = subs;
        return stored;
    }

    private SimResult MenuGet(SimRequest r) =>
        _menus.TryGetValue(r.Acct.AppId, out var menu)
            ? Data(new JsonObject { ["menu"] = new JsonObject { ["button"] = menu.DeepClone() } })
            : Error(46003, "menu no exist");

    private SimResult MenuDelete(SimRequest r)
    {
        _menus.TryRemove(r.Acct.AppId, out _);
        return Ok();
    }

    private static int Bytes(string? value) => value is null ? 0 : Encoding.UTF8.GetByteCount(value);
}
