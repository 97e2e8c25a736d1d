using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api.Models.Menu;

/// <summary>
/// One button of the custom menu, as <c>menu/create</c> takes it and <c>menu/get</c> returns it. A top-level
/// button either has a <see cref="Type"/> or only a <see cref="Name"/> and 1–5 <see cref="SubButtons"/>.
/// </summary>
/// <param name="Type"><c>click</c>, <c>view</c>, <c>miniprogram</c> (also scancode_push, pic_sysphoto, location_select,
/// article_id…); null for a button that only opens its sub-menu.</param>
/// <param name="Name">At most 16 bytes for a top-level button, 60 bytes in a sub-menu (UTF-8: a Chinese character is 3).</param>
/// <param name="Key">click: the <c>EventKey</c> of the CLICK event, at most 128 bytes.</param>
/// <param name="Url">view: the page, at most 1024 bytes; miniprogram: the page shown by clients too old for mini-programs (required).</param>
/// <param name="AppId">miniprogram: the mini-program's appid (linked to the account).</param>
/// <param name="PagePath">miniprogram: the page, e.g. <c>pages/index/index</c>.</param>
public sealed record MenuButton(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("key")] string? Key = null,
    [property: JsonPropertyName("url")] string? Url = null,
    [property: JsonPropertyName("appid")] string? AppId = null,
    [property: JsonPropertyName("pagepath")] string? PagePath = null,
    [property: JsonPropertyName("media_id")] string? MediaId = null,
    [property: JsonPropertyName("article_id")] string? ArticleId = null,
    [property: JsonPropertyName("sub_button")] IReadOnlyList<MenuButton>? SubButtons = null);

/// <summary>Body of <c>POST /cgi-bin/menu/create</c>: 1–3 top-level buttons.</summary>
public sealed record MenuCreateRequest([property: JsonPropertyName("button")] IReadOnlyList<MenuButton> Buttons);

/// <summary>Answer of <c>GET /cgi-bin/menu/get</c> (no errcode on success; 46003 when the account has no menu).</summary>
public sealed record MenuGetResponse : WechatResponse
{
    /// <summary>The default menu.</summary>
    [JsonPropertyName("menu")]
    public MenuDefinition? Menu { get; init; }
}

/// <param name="MenuId">Present when the account also has conditional menus.</param>
public sealed record MenuDefinition(
    [property: JsonPropertyName("button")] IReadOnlyList<MenuButton> Buttons,
    [property: JsonPropertyName("menuid")] long? MenuId = null);
