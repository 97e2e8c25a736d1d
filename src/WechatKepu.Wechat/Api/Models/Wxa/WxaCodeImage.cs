namespace WechatKepu.Wechat.Api.Models.Wxa;

/// <summary>The mini-program code <c>/wxa/getwxacodeunlimit</c> returned: the image bytes and their content type.</summary>
public sealed record WxaCodeImage(byte[] Content, string ContentType);
