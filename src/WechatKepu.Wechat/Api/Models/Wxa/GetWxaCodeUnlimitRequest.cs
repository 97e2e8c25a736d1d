using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Wxa;

/// <summary>Body of <c>POST /wxa/getwxacodeunlimit</c>.</summary>
/// <param name="Scene">At most 32 visible characters; the page receives it as <c>scene</c>.</param>
/// <param name="Page">A published page without a leading slash; empty opens the home page.</param>
/// <param name="CheckPath">False lets an unpublished page through (for trial versions).</param>
/// <param name="EnvVersion"><c>release</c> (default), <c>trial</c> or <c>develop</c>.</param>
/// <param name="Width">280 to 1280 pixels.</param>
public sealed record GetWxaCodeUnlimitRequest(
    [property: JsonPropertyName("scene")] string Scene,
    [property: JsonPropertyName("page")] string? Page = null,
    [property: JsonPropertyName("check_path")] bool? CheckPath = null,
    [property: JsonPropertyName("env_version")] string? EnvVersion = null,
    [property: JsonPropertyName("width")] int? Width = null,
    [property: JsonPropertyName("auto_color")] bool? AutoColor = null,
    [property: JsonPropertyName("line_color")] WxaLineColor? LineColor = null,
    [property: JsonPropertyName("is_hyaline")] bool? IsHyaline = null);

public sealed record WxaLineColor(
    [property: JsonPropertyName("r")] int R,
    [property: JsonPropertyName("g")] int G,
    [property: JsonPropertyName("b")] int B);
