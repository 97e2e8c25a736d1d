using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace WechatKepu.Server.Infrastructure;

/// <summary>Every error leaves as RFC 7807 ProblemDetails; malformed requests are 400s, never 500s.</summary>
public static class Problems
{
    public const string TypeBase = "https://kepu.example/problems/";

    public static void AddKepuProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Extensions.TryAdd("traceId", ctx.HttpContext.TraceIdentifier);
        });
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Binding failures throw so that the handler below can say which parameter was wrong.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
    }

    /// <summary>A 4xx with a stable machine code and a Chinese title/detail a parent can read.</summary>
    public static ProblemHttpResult Problem(int status, string code, string title, string? detail = null) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = status,
            Type = TypeBase + code.Replace('_', '-'),
            Title = title,
            Detail = detail,
            Extensions = { ["code"] = code },
        });

    public static ValidationProblem Validation(IDictionary<string, string[]> errors, string title = "请求参数有误") =>
        TypedResults.ValidationProblem(errors, title: title, type: TypeBase + "validation",
            extensions: new Dictionary<string, object?> { ["code"] = "validation" });

    /// <summary>A route id that is not a positive integer: 400 naming <paramref name="name"/>.</summary>
    public static ValidationProblem BadId(string name = "id") =>
        Validation(new Dictionary<string, string[]> { [name] = [$"{name} 必须是正整数"] });

    public static ProblemHttpResult NotFound(string title, string? detail = null) =>
        Problem(StatusCodes.Status404NotFound, "not_found", title, detail);

    private sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not BadHttpRequestException bad)
            {
                return false;
            }

            context.Response.StatusCode = bad.StatusCode;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                Exception = exception,
                ProblemDetails = new ProblemDetails
                {
                    Status = bad.StatusCode,
                    Type = TypeBase + "bad-request",
                    Title = "请求格式有误",
                    Detail = bad.Message,
                    Extensions = { ["code"] = "bad_request" },
                },
            });
        }
    }
}
