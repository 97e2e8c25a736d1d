namespace WechatKepu.Server.Features.Health;

public static class HealthSetup
{
    /// <summary><c>/healthz</c>, <c>/livez</c>, <c>/readyz</c> (see <see cref="HealthApi"/>).</summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app) => app.MapHealthApi();
}
