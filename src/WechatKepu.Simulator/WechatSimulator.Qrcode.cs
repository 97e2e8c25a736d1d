using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace WechatKepu.Simulator;

/// <summary>
/// qrcode/create (temporary and permanent, numeric and string scenes) and showqrcode. What a scan then sends
/// (subscribe with <c>qrscene_</c> or SCAN) is the platform side's job: <see cref="QrCodeScene"/> tells a test
/// which scene a ticket carries.
/// </summary>
public sealed partial class WechatSimulator
{
    private const int MaxPermanentCodes = 100_000;

    private readonly ConcurrentDictionary<string, QrTicket> _qrTickets = new();

    /// <summary>The scene a ticket was made for, or null for an unknown or expired ticket.</summary>
    public string? QrCodeScene(string ticket) =>
        _qrTickets.TryGetValue(ticket, out var t) && (t.ExpiresAt is null || t.ExpiresAt > Time.GetUtcNow()) ? t.Scene : null;

    private SimResult QrCodeCreate(SimRequest r)
    {
        var action = Str(r.Body, "action_name");
        var scene = Prop(Prop(r.Body, "action_info"), "scene");
        var permanent = action is "QR_LIMIT_SCENE" or "QR_LIMIT_STR_SCENE";
        string? sceneText;
        switch (action)
        {
            case "QR_SCENE" or "QR_LIMIT_SCENE":
                var id = Long(scene, "scene_id");
                if (id is null or <= 0 || id > (permanent ? MaxPermanentCodes : uint.MaxValue))
                {
                    return Error(40097, "invalid args: scene_id");
                }

                sceneText = id.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
                break;
            case "QR_STR_SCENE" or "QR_LIMIT_STR_SCENE":
                sceneText = Str(scene, "scene_str");
                if (sceneText is null || sceneText.Length is 0 or > 64)
                {
                    return Error(40097, "invalid args: scene_str");
                }

                break;
            default:
                return Error(40097, "invalid args: action_name");
        }

        // Temporary codes live 60 s unless told otherwise, at most 30 days.
        var expireSeconds = permanent ? (long?)null : Long(r.Body, "expire_seconds") ?? 60;
        if (expireSeconds is <= 0 or > 2_592_000)
        {
            return Error(40097, "invalid args: expire_seconds");
        }

        if (permanent && _qrTickets.Values.Count(t => t.AppId == r.Acct.AppId && t.ExpiresAt is null) >= MaxPermanentCodes)
        {
            return Error(45029, "qrcode count out of limit");
        }

        var ticket = "gQ" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(70)).Replace('/', '_').Replace('+', '-');
        var url = "http://weixin.qq.com/q/" + Convert.ToHexString(RandomNumberGenerator.GetBytes(11)).ToLowerInvariant();
        _qrTickets[ticket] = new QrTicket(r.Acct.AppId, sceneText, expireSeconds is { } s ? r.Now.AddSeconds(s) : null);
        var payload = new JsonObject { ["ticket"] = ticket };
        if (expireSeconds is { } seconds)
        {
            payload["expire_seconds"] = seconds;
        }

        payload["url"] = url;
        return Data(payload);
    }

    // On mp.weixin.qq.com in reality; an unknown or expired ticket gets no image.
    private SimResult ShowQrCode(SimRequest r) =>
        QrCodeScene(r.Query["ticket"].ToString()) is null
            ? new SimResult(40097, "invalid ticket", HttpStatus: StatusCodes.Status404NotFound)
            : new SimResult(0, "ok", Binary: CodeImage, ContentType: "image/png");

    private sealed record QrTicket(string AppId, string Scene, DateTimeOffset? ExpiresAt);
}
