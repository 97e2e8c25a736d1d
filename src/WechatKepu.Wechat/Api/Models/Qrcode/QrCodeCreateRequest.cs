using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Qrcode;

/// <summary>
/// Body of <c>POST /cgi-bin/qrcode/create</c>. Use <see cref="Permanent"/> (<c>QR_LIMIT_STR_SCENE</c>, at most
/// 100,000 per account, never expires) or <see cref="Temporary"/> (<c>QR_STR_SCENE</c>, up to 30 days).
/// </summary>
public sealed record QrCodeCreateRequest(
    [property: JsonPropertyName("action_name")] string ActionName,
    [property: JsonPropertyName("action_info")] QrCodeActionInfo ActionInfo,
    [property: JsonPropertyName("expire_seconds")] int? ExpireSeconds = null)
{
    /// <summary>Longest temporary code WeChat makes: 30 days.</summary>
    public const int MaxExpireSeconds = 2_592_000;

    /// <summary>Longest string scene: 64 characters.</summary>
    public const int MaxSceneLength = 64;

    public static QrCodeCreateRequest Permanent(string scene) =>
        new("QR_LIMIT_STR_SCENE", new QrCodeActionInfo(new QrCodeScene(SceneStr: scene)));

    public static QrCodeCreateRequest Temporary(string scene, int expireSeconds) =>
        new("QR_STR_SCENE", new QrCodeActionInfo(new QrCodeScene(SceneStr: scene)), expireSeconds);
}

public sealed record QrCodeActionInfo([property: JsonPropertyName("scene")] QrCodeScene Scene);

/// <param name="SceneId">QR_SCENE / QR_LIMIT_SCENE: a 32-bit number (1–100000 for permanent codes).</param>
/// <param name="SceneStr">QR_STR_SCENE / QR_LIMIT_STR_SCENE: 1–64 characters.</param>
public sealed record QrCodeScene(
    [property: JsonPropertyName("scene_id")] int? SceneId = null,
    [property: JsonPropertyName("scene_str")] string? SceneStr = null);

/// <summary>Answer of <c>qrcode/create</c> (no errcode on success).</summary>
public sealed record QrCodeCreateResponse : WechatResponse
{
    /// <summary>Exchanged for the image at <c>https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=</c> (URL-encoded).</summary>
    [JsonPropertyName("ticket")]
    public string Ticket { get; init; } = "";

    /// <summary>Seconds the code lives; absent for a permanent code.</summary>
    [JsonPropertyName("expire_seconds")]
    public int? ExpireSeconds { get; init; }

    /// <summary>What the code encodes (<c>http://weixin.qq.com/q/…</c>): a code can be drawn from it at any size.</summary>
    [JsonPropertyName("url")]
    public string Url { get; init; } = "";
}
