using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace WechatKepu.Server.Infrastructure;

/// <summary>
/// PostgreSQL restarting, unreachable, or out of pooled connections is the server being unavailable,
/// not a bug: the caller gets a 503 ProblemDetails with <c>Retry-After</c> (the mini-program retries,
/// nginx may try another instance) instead of a 500. Npgsql drops the broken pooled connections by
/// itself, so the first request after the database is back succeeds again.
/// </summary>
public sealed class DatabaseUnavailableHandler(IProblemDetailsService problems, ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 2;

    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException { IsTransient: true })
            {
                return true;
            }
        }

        return false;
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsUnavailable(exception) || context.Response.HasStarted)
        {
            return false;
        }

        logger.LogWarning("Database unavailable for {Method} {Path}: {Error}", context.Request.Method, context.Request.Path, exception.Message);
        KepuMetrics.DatabaseDown();
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Type = Problems.TypeBase + "service-unavailable",
                Title = "服务繁忙，请稍后再试",
                Detail = "系统暂时无法处理请求，请过几秒钟再试。",
                Extensions = { ["code"] = "service_unavailable" },
            },
        });
    }
}
