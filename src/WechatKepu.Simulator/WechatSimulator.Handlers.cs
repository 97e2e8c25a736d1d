using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace WechatKepu.Simulator;

/// <summary>What each API does, with WeChat's shapes and error codes.</summary>
public sealed partial class WechatSimulator
{
    private static readonly FrozenSet<string> MassTypes =
        new[] { "text", "mpnews", "voice", "mpvideo", "image", "wxcard" }.ToFrozenSet(StringComparer.Ordinal);
    private static readonly FrozenSet<string> CustomTypes = new[]
    {
        "text", "image", "voice", "video", "music", "news", "mpnews", "mpnewsarticle", "msgmenu", "wxcard", "miniprogrampage",
    }.ToFrozenSet(StringComparer.Ordinal);

    // A 1×1 PNG: enough for a client to tell an image from a JSON error.
    private static readonly byte[] CodeImage = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private IEnumerable<Route> BuildRoutes() =>
    [
        new(HttpMethods.Post, StableTokenPath, false, StableToken),
        new(HttpMethods.Post, "/cgi-bin/message/template/send", true, TemplateSend),
        new(HttpMethods.Post, "/cgi-bin/message/subscribe/send", true, r => SubscribeSend(r, miniProgram: true)),
        new(HttpMethods.Post, "/cgi-bin/message/subscribe/bizsend", true, r => SubscribeSend(r, miniProgram: false)),
        new(HttpMethods.Post, "/cgi-bin/message/custom/send", true, CustomSend),
        new(HttpMethods.Post, "/cgi-bin/message/mass/sendall", true, MassSendAll),
        new(HttpMethods.Post, "/cgi-bin/message/mass/send", true, MassSend),
        new(HttpMethods.Post, "/cgi-bin/message/mass/preview", true, MassPreview),
        new(HttpMethods.Post, "/cgi-bin/message/mass/get", true, MassGet),
        new(HttpMethods.Post, "/cgi-bin/message/mass/delete", true, MassDelete),
        new(HttpMethods.Get, "/cgi-bin/user/info", true, r => UserInfo(r, r.Query["openid"].ToString())),
        new(HttpMethods.Post, "/cgi-bin/user/info/batchget", true, UserInfoBatch),
        new(HttpMethods.Get, "/cgi-bin/user/get", true, UserGet),
        new(HttpMethods.Post, "/cgi-bin/tags/create", true, TagCreate),
        new(HttpMethods.Get, "/cgi-bin/tags/get", true, TagGet),
        new(HttpMethods.Post, "/cgi-bin/tags/members/batchtagging", true, r => Tagging(r, add: true)),
        new(HttpMethods.Post, "/cgi-bin/tags/members/batchuntagging", true, r => Tagging(r, add: false)),
        new(HttpMethods.Post, "/cgi-bin/user/tag/get", true, UserTagGet),
        new(HttpMethods.Get, "/sns/jscode2session", false, Code2Session),
        new(HttpMethods.Post, "/wxa/msg_sec_check", true, MsgSecCheck),
        new(HttpMethods.Post, "/wxa/getwxacodeunlimit", true, WxaCodeUnlimit),
        new(HttpMethods.Post, "/cgi-bin/menu/create", true, MenuCreate),
        new(HttpMethods.Get, "/cgi-bin/menu/get", true, MenuGet),
        new(HttpMethods.Get, "/cgi-bin/menu/delete", true, MenuDelete),
        new(HttpMethods.Post, "/cgi-bin/qrcode/create", true, QrCodeCreate),
        new(HttpMethods.Get, "/cgi-bin/showqrcode", false, ShowQrCode),
        new(HttpMethods.Get, "/cgi-bin/template/get_all_private_template", true, PrivateTemplates),
        new(HttpMethods.Get, "/wxaapi/newtmpl/gettemplate", true, SubscribeTemplates),
        new(HttpMethods.Post, "/cgi-bin/media/uploadimg", true, UploadImg, Multipart: true),
        new(HttpMethods.Post, "/cgi-bin/material/add_material", true, AddMaterial, Multipart: true),
        new(HttpMethods.Post, "/cgi-bin/draft/add", true, DraftAdd),
        new(HttpMethods.Post, "/cgi-bin/freepublish/submit", true, FreePublishSubmit),
    ];

    private SimResult StableToken(SimRequest r)
    {
        var appId = Str(r.Body, "appid") ?? "";
        if (Str(r.Body, "grant_type") != "client_credential")
        {
            return Error(40002, "invalid grant_type");
        }

        if (!_accounts.TryGetValue(appId, out var account))
        {
            return Error(40013, "invalid appid");
        }

        if (Str(r.Body, "secret") != account.Secret)
        {
            return Error(40125, "invalid appsecret", appId: appId);
        }

        lock (account.TokenLock)
        {
            var current = account.Current;
            if (Bool(r.Body, "force_refresh"))
            {
                var day = DateOnly.FromDateTime(r.Now.ToOffset(TimeSpan.FromHours(8)).Date);
                var today = account.ForceRefreshes.Day == day ? account.ForceRefreshes.Count : 0;
                if (r.Now - account.LastForceRefresh < Options.ForceRefreshInterval || today >= Options.ForceRefreshDailyLimit)
                {
                    return Error(45009, "reach max api daily quota limit", appId: appId);
                }

                (account.LastForceRefresh, account.ForceRefreshes) = (r.Now, (day, today + 1));
                if (current is not null)
                {
                    // force_refresh kills the previous token at once.
                    current.Rejected = true;
                }

                current = null;
            }

            // Normal mode: the same token for everyone until its last stretch; then a new one, the old living on.
            if (current is null || current.ExpiresAt - r.Now <= Options.TokenRenewWindow)
            {
                current = new IssuedToken(appId, "simtoken_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)),
                    r.Now + Options.TokenLifetime);
                _tokens[current.Value] = current;
                account.Current = current;
            }

            return Data(new JsonObject
            {
                ["access_token"] = current.Value,
                ["expires_in"] = (int)Math.Ceiling((current.ExpiresAt - r.Now).TotalSeconds),
            }, appId: appId);
        }
    }

    private SimResult TemplateSend(SimRequest r)
    {
        var account = r.Acct;
        var toUser = Str(r.Body, "touser") ?? "";
        if (CheckTemplate(account, Str(r.Body, "template_id")) is { } templateError)
        {
            return templateError;
        }

        if (CheckFollower(account, toUser) is { } followerError)
        {
            return followerError;
        }

        if (Prop(r.Body, "data").ValueKind != JsonValueKind.Object)
        {
            return Error(47003, "argument invalid! data is empty");
        }

        long msgId;
        var deduplicated = false;
        if (Str(r.Body, "client_msg_id") is { Length: > 0 } clientMsgId)
        {
            var candidate = new Sent(NextMsgId(), r.Now);
            var window = Options.TemplateClientMsgIdWindow;
            var actual = account.TemplateDedup.AddOrUpdate((toUser, clientMsgId), candidate,
                (_, earlier) => r.Now - earlier.At < window ? earlier : candidate);
            deduplicated = !ReferenceEquals(actual, candidate);
            msgId = actual.MsgId;
        }
        else
        {
            msgId = NextMsgId();
        }

        if (!deduplicated)
        {
            RecordTemplateDisplay(r, account.AppId, toUser, Str(r.Body, "template_id")!);
            Receipts?.Publish(new TemplateSendJobFinished(account.AppId, r.Now, toUser, msgId, "success"));
        }

        return Ok(new JsonObject { ["msgid"] = msgId }, msgId);
    }

    private SimResult SubscribeSend(SimRequest r, bool miniProgram)
    {
        var account = r.Acct;
        var toUser = Str(r.Body, "touser") ?? "";
        var templateId = Str(r.Body, "template_id") ?? "";
        if (CheckTemplate(account, templateId) is { } templateError)
        {
            return templateError;
        }

        if (toUser.Length == 0 || (!miniProgram && !account.Followers.ContainsKey(toUser)))
        {
            return Error(40003, "invalid openid");
        }

        if (Prop(r.Body, "data").ValueKind != JsonValueKind.Object)
        {
            return Error(47003, "argument invalid! data is empty");
        }

        var data = DataValues(Prop(r.Body, "data"));
        if (CheckSubscribeData(data) is { } dataError)
        {
            return dataError;
        }

        // The page must exist in the published mini-program (app.json), query string aside.
        if (Str(r.Body, "page") is { Length: > 0 } page && !account.Pages.IsEmpty && !account.Pages.ContainsKey(page.Split('?')[0]))
        {
            return Error(41030, "invalid page");
        }

        // One accepted grant allows exactly one message.
        if (!_grants.TryGetValue((account.AppId, toUser, templateId), out var grants) || Interlocked.Decrement(ref grants.Value) < 0)
        {
            if (grants is not null)
            {
                Interlocked.Increment(ref grants.Value);
            }

            return Error(43101, "user refuse to accept the msg");
        }

        var msgId = NextMsgId();
        RecordSubscribeDisplay(r, account.AppId, toUser, templateId, data);
        Receipts?.Publish(new SubscribeMessageSent(account.AppId, r.Now, toUser, templateId, msgId));
        return Ok(new JsonObject { ["msgid"] = msgId }, msgId);
    }

    private SimResult CustomSend(SimRequest r)
    {
        var account = r.Acct;
        var msgType = Str(r.Body, "msgtype") ?? "";
        if (!CustomTypes.Contains(msgType))
        {
            return Error(40008, "invalid message type");
        }

        if (Prop(r.Body, msgType).ValueKind != JsonValueKind.Object)
        {
            return Error(47001, $"data format error: {msgType} missing");
        }

        var toUser = Str(r.Body, "touser") ?? "";
        if (CheckFollower(account, toUser) is { } followerError)
        {
            return followerError;
        }

        var lastMessage = Interlocked.Read(ref account.Followers[toUser].LastMessageTicks);
        if (lastMessage == 0 || r.Now.UtcTicks - lastMessage > Options.CustomerServiceWindow.Ticks)
        {
            return Error(45015, "response out of time limit or subscription is canceled");
        }

        return Ok();
    }

    private SimResult MassSendAll(SimRequest r)
    {
        var filter = Prop(r.Body, "filter");
        var tagId = Long(filter, "tag_id");
        var recipients = Bool(filter, "is_to_all")
            ? r.Acct.Followers.Values.Count(f => f.Subscribed)
            : r.Acct.Followers.Values.Count(f => f.Subscribed && tagId is { } t && f.TagIds.ContainsKey((int)t));
        return Mass(r, recipients, toAll: true);
    }

    private SimResult MassSend(SimRequest r)
    {
        var toUsers = Strings(Prop(r.Body, "touser"));
        if (toUsers.Length is < 2 or > 10_000)
        {
            return Error(40130, "invalid openid list size, at least two openid");
        }

        return Mass(r, toUsers.Count(u => r.Acct.Followers.TryGetValue(u, out var f) && f.Subscribed));
    }

    private SimResult Mass(SimRequest r, int recipients, bool toAll = false)
    {
        var account = r.Acct;
        if ((CheckMassContent(r.Body) ?? CheckMassMedia(account, r.Body)) is { } contentError)
        {
            return contentError;
        }

        if (toAll && !TakeMassQuota(account, r.Now))
        {
            return Error(45028, "has no masssend quota");
        }

        var msgId = NextMsgId();
        if (Str(r.Body, "clientmsgid") is { Length: > 0 } clientMsgId)
        {
            var candidate = new Sent(msgId, r.Now);
            var window = Options.MassClientMsgIdWindow;
            var actual = account.MassDedup.AddOrUpdate(clientMsgId, candidate,
                (_, earlier) => r.Now - earlier.At < window ? earlier : candidate);
            if (!ReferenceEquals(actual, candidate))
            {
                return Error(45065, "clientmsgid exist", new JsonObject { ["msg_id"] = actual.MsgId }, actual.MsgId);
            }
        }

        account.MassJobs[msgId] = new MassJob(msgId, recipients);
        Receipts?.Publish(new MassSendJobFinished(account.AppId, r.Now, msgId, recipients, recipients, recipients, 0));
        var payload = new JsonObject { ["msg_id"] = msgId };
        if (Str(r.Body, "msgtype") == "mpnews")
        {
            payload["msg_data_id"] = msgId;
        }

        return new SimResult(0, "send job submission success", payload, MsgId: msgId);
    }

    private SimResult MassPreview(SimRequest r)
    {
        if ((CheckMassContent(r.Body, preview: true) ?? CheckMassMedia(r.Acct, r.Body)) is { } contentError)
        {
            return contentError;
        }

        if (Str(r.Body, "touser") is { } toUser && CheckFollower(r.Acct, toUser) is { } followerError)
        {
            return followerError;
        }

        return Ok(new JsonObject { ["msg_id"] = NextMsgId() });
    }

    private SimResult MassGet(SimRequest r) =>
        r.Acct.MassJobs.TryGetValue(Long(r.Body, "msg_id") ?? 0, out var job)
            ? Ok(new JsonObject { ["msg_id"] = job.MsgId, ["msg_status"] = job.Status }, job.MsgId)
            : Error(40035, "invalid parameter: msg_id");

    private SimResult MassDelete(SimRequest r)
    {
        if (!r.Acct.MassJobs.TryGetValue(Long(r.Body, "msg_id") ?? 0, out var job))
        {
            return Error(40035, "invalid parameter: msg_id");
        }

        job.Status = "DELETE";
        return Ok(msgId: job.MsgId);
    }

    private SimResult UserInfo(SimRequest r, string openId) =>
        r.Acct.Followers.TryGetValue(openId, out var follower)
            ? Data(UserJson(follower), openId: openId)
            : Error(40003, "invalid openid");

    private SimResult UserInfoBatch(SimRequest r)
    {
        var list = Prop(r.Body, "user_list");
        var openIds = list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().Select(u => Str(u, "openid") ?? "").ToArray() : [];
        if (openIds.Length is 0 or > 100)
        {
            return Error(40032, "invalid openid list size");
        }

        var users = new JsonArray();
        foreach (var openId in openIds)
        {
            if (!r.Acct.Followers.TryGetValue(openId, out var follower))
            {
                return Error(40003, "invalid openid");
            }

            users.Add(UserJson(follower));
        }

        return Data(new JsonObject { ["user_info_list"] = users });
    }

    private SimResult UserGet(SimRequest r)
    {
        var followers = r.Acct.Followers.Values.Where(f => f.Subscribed).Select(f => f.OpenId).Order(StringComparer.Ordinal).ToArray();
        var page = Page(followers, r.Query["next_openid"].ToString());
        page["total"] = followers.Length;
        return Data(page);
    }

    private SimResult TagCreate(SimRequest r)
    {
        var name = Str(Prop(r.Body, "tag"), "name") ?? "";
        if (name.Length is 0 or > 30)
        {
            return Error(45158, "tag name too long");
        }

        if (r.Acct.Tags.Values.Contains(name))
        {
            return Error(45157, "invalid tag name");
        }

        var id = Interlocked.Increment(ref r.Acct.NextTagId);
        r.Acct.Tags[id] = name;
        return Data(new JsonObject { ["tag"] = new JsonObject { ["id"] = id, ["name"] = name } });
    }

    private SimResult TagGet(SimRequest r)
    {
        var tags = new JsonArray();
        foreach (var (id, name) in r.Acct.Tags.OrderBy(t => t.Key))
        {
            tags.Add(new JsonObject
            {
                ["id"] = id,
                ["name"] = name,
                ["count"] = r.Acct.Followers.Values.Count(f => f.TagIds.ContainsKey(id)),
            });
        }

        return Data(new JsonObject { ["tags"] = tags });
    }

    private SimResult Tagging(SimRequest r, bool add)
    {
        var openIds = Strings(Prop(r.Body, "openid_list"));
        var tagId = (int)(Long(r.Body, "tagid") ?? 0);
        if (openIds.Length is 0 or > 50)
        {
            return Error(40032, "invalid openid list size");
        }

        if (!r.Acct.Tags.ContainsKey(tagId))
        {
            return Error(45159, "invalid tag id");
        }

        if (openIds.FirstOrDefault(id => !r.Acct.Followers.ContainsKey(id)) is not null)
        {
            return Error(40003, "invalid openid");
        }

        foreach (var openId in openIds)
        {
            var tags = r.Acct.Followers[openId].TagIds;
            _ = add ? tags.TryAdd(tagId, 0) : tags.TryRemove(tagId, out _);
        }

        return Ok();
    }

    private SimResult UserTagGet(SimRequest r)
    {
        var tagId = (int)(Long(r.Body, "tagid") ?? 0);
        if (!r.Acct.Tags.ContainsKey(tagId))
        {
            return Error(45159, "invalid tag id");
        }

        var followers = r.Acct.Followers.Values.Where(f => f.Subscribed && f.TagIds.ContainsKey(tagId))
            .Select(f => f.OpenId).Order(StringComparer.Ordinal).ToArray();
        return Data(Page(followers, Str(r.Body, "next_openid")));
    }

    private SimResult Code2Session(SimRequest r)
    {
        var appId = r.Query["appid"].ToString();
        if (!_accounts.TryGetValue(appId, out var account))
        {
            return Error(40013, "invalid appid");
        }

        if (r.Query["secret"] != account.Secret)
        {
            return Error(40125, "invalid appsecret", appId: appId);
        }

        if (!_loginCodes.TryGetValue(r.Query["js_code"].ToString(), out var code)
            || (code.AppId is not null && code.AppId != appId)
            || r.Now - code.IssuedAt > Options.LoginCodeLifetime)
        {
            return Error(40029, "invalid code", appId: appId);
        }

        if (Interlocked.Exchange(ref code.Used, 1) == 1)
        {
            return Error(40163, "code been used", appId: appId);
        }

        var unionId = code.UnionId ?? (account.Followers.TryGetValue(code.OpenId, out var f) ? f.UnionId : null);
        var payload = new JsonObject
        {
            ["openid"] = code.OpenId,
            ["session_key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)),
        };
        if (unionId is not null)
        {
            payload["unionid"] = unionId;
        }

        return Data(payload, openId: code.OpenId, appId: appId);
    }

    private SimResult MsgSecCheck(SimRequest r)
    {
        if (Long(r.Body, "version") != 2 || Str(r.Body, "openid") is not { Length: > 0 } || Long(r.Body, "scene") is not (>= 1 and <= 4))
        {
            return Error(47001, "data format error: version, openid and scene are required");
        }

        var content = Str(r.Body, "content") ?? "";
        var risky = Options.RiskyWords.FirstOrDefault(w => content.Contains(w, StringComparison.OrdinalIgnoreCase));
        var (suggest, label) = risky is null ? ("pass", 100) : ("risky", 21000);
        var detail = new JsonObject { ["strategy"] = "content_model", ["errcode"] = 0, ["suggest"] = suggest, ["label"] = label, ["prob"] = 90 };
        if (risky is not null)
        {
            detail["keyword"] = risky;
        }

        return Ok(new JsonObject
        {
            ["result"] = new JsonObject { ["suggest"] = suggest, ["label"] = label },
            ["detail"] = new JsonArray(detail),
            ["trace_id"] = Guid.NewGuid().ToString("N"),
        });
    }

    private SimResult WxaCodeUnlimit(SimRequest r)
    {
        var scene = Str(r.Body, "scene") ?? "";
        if (scene.Length is 0 or > 32)
        {
            return Error(40169, "invalid length for scene, or the data is not json string");
        }

        var page = Str(r.Body, "page");
        var checkPath = Prop(r.Body, "check_path").ValueKind != JsonValueKind.False;
        if (checkPath && !string.IsNullOrEmpty(page) && !r.Acct.Pages.IsEmpty && !r.Acct.Pages.ContainsKey(page))
        {
            return Error(41030, "invalid page rid");
        }

        return new SimResult(0, "ok", Binary: CodeImage, ContentType: "image/png");
    }

    private static SimResult? CheckTemplate(Account account, string? templateId) =>
        string.IsNullOrEmpty(templateId) || account.RemovedTemplateIds.ContainsKey(templateId)
            || (!account.TemplateIds.IsEmpty && !account.TemplateIds.ContainsKey(templateId))
            ? Error(40037, "invalid template_id")
            : null;

    private static SimResult? CheckFollower(Account account, string openId) =>
        !account.Followers.TryGetValue(openId, out var follower) ? Error(40003, "invalid openid")
        : !follower.Subscribed ? Error(43004, "require subscribe")
        : null;

    private static SimResult? CheckMassContent(JsonElement body, bool preview = false)
    {
        var msgType = Str(body, "msgtype") ?? "";
        if (!MassTypes.Contains(msgType))
        {
            return Error(40008, "invalid message type");
        }

        // sendall/send read images.media_ids; preview reads image.media_id.
        var contentKey = msgType == "image" && !preview ? "images" : msgType;
        return Prop(body, contentKey).ValueKind == JsonValueKind.Object ? null : Error(47001, $"data format error: {contentKey} missing");
    }

    private static JsonObject UserJson(Follower follower)
    {
        var user = new JsonObject { ["subscribe"] = follower.Subscribed ? 1 : 0, ["openid"] = follower.OpenId };
        if (follower.UnionId is not null)
        {
            user["unionid"] = follower.UnionId;
        }

        if (follower.Subscribed)
        {
            user["language"] = "zh_CN";
            user["subscribe_time"] = follower.SubscribedAt.ToUnixTimeSeconds();
            user["remark"] = "";
            user["tagid_list"] = new JsonArray(follower.TagIds.Keys.Order().Select(id => (JsonNode?)id).ToArray());
            user["subscribe_scene"] = "ADD_SCENE_QR_CODE";
            user["qr_scene"] = 0;
            user["qr_scene_str"] = "";
        }

        return user;
    }

    /// <summary>WeChat's openid paging: up to 10,000 after <paramref name="after"/>, and the last one as next_openid.</summary>
    private static JsonObject Page(string[] sortedOpenIds, string? after)
    {
        var start = string.IsNullOrEmpty(after) ? 0 : Array.FindIndex(sortedOpenIds, id => string.CompareOrdinal(id, after) > 0);
        var slice = start < 0 ? [] : sortedOpenIds.Skip(start).Take(10_000).ToArray();
        return new JsonObject
        {
            ["count"] = slice.Length,
            ["data"] = new JsonObject { ["openid"] = new JsonArray(slice.Select(id => (JsonNode?)id).ToArray()) },
            ["next_openid"] = slice.LastOrDefault() ?? "",
        };
    }
}
