using System.Security.Claims;
using Mapster;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Parents;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.MiniProgram;

/// <summary>Records what a parent answered to wx.requestSubscribeMessage: the grants reminders spend.</summary>
public static class MpSubscriptionsApi
{
    private static readonly HashSet<string> Answers = ["accept", "reject", "ban", "filter"];

    public static Ok<TemplatesDto> Templates(IOptions<WechatOptions> wechat) =>
        TypedResults.Ok(new TemplatesDto(wechat.Value.MiniProgram.Templates
            .Select(t => new TemplateDto(t.Id, t.Purpose, t.Title, t.LongTerm)).ToList()));

    public static async Task<Results<Ok<GrantsDto>, ValidationProblem>> RecordAsync(
        SubscriptionsRequest request, ClaimsPrincipal user, GrantStore grants, TimeProvider clock,
        IOptions<WechatOptions> wechat, CancellationToken ct)
    {
        var templates = wechat.Value.MiniProgram.Templates.ToDictionary(t => t.Id, StringComparer.Ordinal);
        var errors = new Errors();
        if (request.Results is not { Count: > 0 } results || results.Count > 20)
        {
            errors.Add("results", "results 应包含 1 到 20 个模板的订阅结果");
        }
        else
        {
            foreach (var (templateId, answer) in results)
            {
                if (!templates.ContainsKey(templateId))
                {
                    errors.Add($"results.{templateId}", "未知的订阅消息模板");
                }
                else if (!Answers.Contains(answer))
                {
                    errors.Add($"results.{templateId}", "结果应为 accept、reject、ban 或 filter");
                }
            }
        }

        if (errors.Any)
        {
            return Problems.Validation(errors.All);
        }

        var rows = await grants.RecordAsync(user.UserId(),
            request.Results!.Select(r => (r.Key, r.Value, templates[r.Key].LongTerm)).ToList(), clock.GetUtcNow(), ct);
        return TypedResults.Ok(new GrantsDto(rows.Adapt<List<GrantDto>>()));
    }
}
