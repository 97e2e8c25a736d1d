using System.Text;
using WechatKepu.Data.Staff;

namespace WechatKepu.Server.Features.Staff;

/// <summary>
/// The audit entry of a console write whose store does not write one itself (keyword replies, reminder
/// topics, campaigns): action <c>{subject}.{handler}</c> (<c>topic.add_round</c>), target
/// <c>{subject}:{id}</c> (the route's id, or the created resource's), the route values and the request
/// body as detail. Written by an endpoint filter once the handler has succeeded, so after its change committed.
/// </summary>
public static class StaffAudit
{
    public static RouteGroupBuilder AuditWrites(this RouteGroupBuilder group, string subject)
    {
        group.AddEndpointFilterFactory((factory, next) =>
        {
            var action = $"{subject}.{Snake(factory.MethodInfo.Name)}";
            return async ctx =>
            {
                var result = await next(ctx);
                var outcome = result is INestedHttpResult nested ? nested.Result : result; // Results<…> wraps the one returned
                if (outcome is IStatusCodeHttpResult { StatusCode: >= 200 and < 300 })
                {
                    var http = ctx.HttpContext;
                    var routes = http.Request.RouteValues;
                    var id = routes.TryGetValue("id", out var routeId) ? routeId?.ToString()
                        : outcome.GetType().GetProperty("Location")?.GetValue(outcome) is string location ? location[(location.LastIndexOf('/') + 1)..]
                        : routes.TryGetValue("appId", out var appId) ? appId?.ToString() : null;
                    var actor = http.User.Actor();
                    var detail = new
                    {
                        route = routes.Where(r => r.Key is not ("id" or "action" or "controller")).ToDictionary(r => r.Key, r => r.Value?.ToString()),
                        request = ctx.Arguments.FirstOrDefault(a => a?.GetType().Name.EndsWith("Request", StringComparison.Ordinal) == true),
                    };
                    await http.RequestServices.GetRequiredService<AuditLog>().WriteAsync(actor.Id, actor.Name, action,
                        id is null ? null : $"{subject}:{id}", detail, http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(),
                        CancellationToken.None);
                }

                return result;
            };
        });
        return group;
    }

    /// <summary><c>AddRoundAsync</c> → <c>add_round</c>.</summary>
    private static string Snake(string method)
    {
        var name = method.EndsWith("Async", StringComparison.Ordinal) ? method[..^5] : method;
        var sb = new StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c) && sb.Length > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }
}
