using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using KestrelServerOptions = Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions;

namespace WechatKepu.Server.Infrastructure;

/// <summary>Every error leaves as RFC 7807 ProblemDetails; malformed requests are 400s, never 500s.</summary>
public static partial class Problems
{
    public const string TypeBase = "https://kepu.example/problems/";

    public static void AddKepuProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Extensions.TryAdd("traceId", ctx.HttpContext.TraceIdentifier);
            Describe(ctx.ProblemDetails);
        });
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Binding failures throw so that the handler below can say which parameter was wrong.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        // Kestrel answers a request line over its limit with a bare 414 before any middleware runs; its limit is
        // set above ours so that a long address reaches UseRequestTargetLimit and gets a ProblemDetails.
        services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestLineSize = Math.Max(o.Limits.MaxRequestLineSize, 4 * MaxRequestTarget));
    }

    /// <summary>The longest path and query string (in characters, as sent) the API accepts.</summary>
    public const int MaxRequestTarget = 8 * 1024;

    /// <summary>A path plus query string longer than <see cref="MaxRequestTarget"/> is a 414 ProblemDetails.</summary>
    public static IApplicationBuilder UseRequestTargetLimit(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.Request.Path.Value?.Length + http.Request.QueryString.Value?.Length > MaxRequestTarget)
        {
            http.Response.StatusCode = StatusCodes.Status414UriTooLong;
            await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = { Status = StatusCodes.Status414UriTooLong },
            });
            return;
        }

        await next(http);
    });

    /// <summary>Chinese title, detail and code by status, for problems the framework writes itself.</summary>
    private static readonly Dictionary<int, (string Code, string Title, string Detail)> ByStatus = new()
    {
        [400] = ("bad_request", "请求格式有误", "请检查请求内容后重试。"),
        [401] = ("unauthenticated", "请先登录", "登录后再试。"),
        [403] = ("forbidden", "没有权限", "当前账号不能进行此操作。"),
        [404] = ("not_found", "没有找到", "请求的地址不存在。"),
        [405] = ("method_not_allowed", "不支持该请求方法", "该地址不接受此请求方法。"),
        [406] = ("not_acceptable", "无法提供所需格式", "本接口只返回 JSON。"),
        [408] = ("request_timeout", "请求超时", "请稍后重试。"),
        [409] = ("conflict", "操作冲突", "请刷新后重试。"),
        [411] = ("length_required", "缺少请求长度", "请求须带 Content-Length。"),
        [413] = ("payload_too_large", "请求内容过大", "请减少提交的内容后重试。"),
        [414] = ("uri_too_long", "请求地址过长", $"地址和查询参数合计不能超过 {MaxRequestTarget} 个字符，请减少查询条件。"),
        [415] = ("unsupported_media_type", "请求内容格式不支持", "请求体须为 JSON（Content-Type: application/json）。"),
        [422] = ("unprocessable", "请求内容无法处理", "请检查请求内容后重试。"),
        [429] = ("rate_limited", "请求过于频繁", "请稍后再试。"),
        [431] = ("headers_too_large", "请求头过大", "请减少请求头后重试。"),
    };

    /// <summary>
    /// A problem without our <c>code</c> (404 for an unknown address, 405, 415… written by the framework)
    /// gets one, with a Chinese title and detail in place of the framework's English.
    /// </summary>
    private static void Describe(ProblemDetails problem)
    {
        if (problem.Extensions.ContainsKey("code") || problem.Status is not ({ } status and >= 400 and < 500))
        {
            return;
        }

        var (code, title, detail) = ByStatus.TryGetValue(status, out var known) ? known : ("request_error", "请求有误", "请检查请求后重试。");
        problem.Type = TypeBase + code.Replace('_', '-');
        problem.Title = title;
        problem.Detail = detail;
        problem.Extensions["code"] = code;
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
                ProblemDetails = bad.StatusCode == StatusCodes.Status400BadRequest
                    ? new ProblemDetails
                    {
                        Status = bad.StatusCode,
                        Type = TypeBase + "bad-request",
                        Title = "请求格式有误",
                        Detail = Explain(bad),
                        Extensions = { ["code"] = "bad_request" },
                    }
                    : new ProblemDetails { Status = bad.StatusCode }, // 413, 415…: described by status
            });
        }

        /// <summary>
        /// What was wrong, in Chinese, naming the JSON field or the parameter where the framework says which:
        /// its own message is English and names C# types.
        /// </summary>
        private static string Explain(BadHttpRequestException bad)
        {
            if (bad.InnerException is System.Text.Json.JsonException json)
            {
                var field = json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
                return field is null
                    ? "请求体不是有效的 JSON，请检查格式。"
                    : $"字段 {field} 的值类型不对（例如数字写成了文字，或文字写成了列表），请检查后重试。";
            }

            var name = ParameterName().Match(bad.Message) is { Success: true } m ? m.Groups[1].Value : null;
            if (bad.Message.Contains("request body", StringComparison.OrdinalIgnoreCase) || bad.Message.Contains("from body", StringComparison.OrdinalIgnoreCase))
            {
                return "缺少请求体或请求体不是有效的 JSON，请检查后重试。";
            }

            return name is null ? "请求的参数格式不对，请检查后重试。" : $"参数 {name} 缺失或格式不对，请检查后重试。";
        }
    }

    // "Failed to bind parameter \"int page\" from \"abc\"." / "Required parameter \"string q\" was not provided…"
    [System.Text.RegularExpressions.GeneratedRegex("parameter \"(?:[^\"]* )?([A-Za-z_][A-Za-z0-9_]*)\"")]
    private static partial System.Text.RegularExpressions.Regex ParameterName();
}
