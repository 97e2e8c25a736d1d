using Microsoft.AspNetCore.Authorization;
using WechatKepu.Data.Parents;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.MiniProgram;

/// <summary>The mini-program's API under <c>/api/mp</c> (contract: docs/api-mp.md).</summary>
public static class MpApi
{
    /// <summary>A positive id from a route value, or null (the caller answers 400 naming it).</summary>
    public static long? Id(string value) => long.TryParse(value, out var id) && id > 0 ? id : null;
}
