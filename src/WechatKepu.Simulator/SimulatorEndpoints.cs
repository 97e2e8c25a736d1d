using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace WechatKepu.Simulator;

public static class SimulatorEndpoints
{
    /// <summary>
    /// Serves <paramref name="simulator"/>'s WeChat API at the root of the app, plus a small control API
    /// under <c>/_sim</c> for a simulator run on its own (issue login codes, read the record).
    /// </summary>
    public static WebApplication MapWechatSimulator(this WebApplication app, WechatSimulator simulator)
    {
        app.MapGet("/_sim/calls", (string? path) => path is null ? simulator.Calls : simulator.CallsTo(path));
        app.MapPost("/_sim/login-codes", (LoginCodeRequest request) =>
            TypedResults.Ok(new { code = simulator.IssueLoginCode(request.OpenId, request.AppId, request.UnionId) }));
        app.MapPost("/_sim/grants", (GrantRequest request) =>
        {
            simulator.GrantSubscribe(request.AppId, request.OpenId, request.TemplateId, request.Count ?? 1);
            return TypedResults.NoContent();
        });

        // The WeChat API itself is not a set of endpoints: one dictionary lookup per call keeps the hot path short.
        app.Use(next => context => context.GetEndpoint() is not null ? next(context) : simulator.HandleAsync(context));
        return app;
    }

    public sealed record LoginCodeRequest(string OpenId, string? AppId, string? UnionId);

    public sealed record GrantRequest(string AppId, string OpenId, string TemplateId, int? Count);
}
