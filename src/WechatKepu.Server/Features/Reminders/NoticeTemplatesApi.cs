using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Delivery;
using WechatKepu.Data.Console;
using WechatKepu.Server.Features.Console;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Data.Templates;
using WechatKepu.Server.Features.Templates;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Reminders;

/// <param name="Fields">What a parent reads, field by field (the subscribe message's values, else the template's).</param>
public sealed record SessionNoticeDto(long Id, string Kind, string Title, string Status, DateTimeOffset CreatedAt, int Sent, int Total,
    IReadOnlyList<string> Fields);

public sealed record NoticeFieldsRequest(string? Activity, string? Time, string? Place, string? Note);

/// <param name="TemplateId">The template configured for the purpose on the channel; null: this notice is not sent on it.</param>
/// <param name="Example">What a parent would see, field by field, for a sample notice.</param>
public sealed record NoticeTemplateDto(string Purpose, string Name, string Channel, string? TemplateId, NoticeFields Fields, bool IsDefault,
    IReadOnlyDictionary<string, string> Example, string? UpdatedBy)
{
    /// <summary>The template's title in the library; null when the library does not hold it (or nothing is configured).</summary>
    public string? TemplateTitle { get; init; }

    /// <summary>The fields WeChat shows of that template, to choose from; null when the library does not hold it.</summary>
    public IReadOnlyList<TemplateFieldDto>? TemplateFields { get; init; }

    /// <summary>WeChat no longer lists the configured template: nothing is sent with it.</summary>
    public bool TemplateGone { get; init; }
}

/// <summary>
/// Staff choose which keyword of each notice's template carries the activity, the time, the place and the
/// note: templates picked from WeChat's library name their fields differently (<c>thing1</c>, <c>time2</c>,
/// <c>keyword3</c>…). Unset purposes use <see cref="NoticeFields.Default"/>.
/// </summary>
public static partial class NoticeTemplatesApi
{
    public static IEndpointRouteBuilder MapNoticeTemplatesApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/console/notice-templates").RequireAuthorization(StaffPolicies.Viewer).WithTags("Reminder topics");
        read.MapGet("/", ListAsync);
        app.MapGet("/api/console/sessions/{id:long}/notices", SessionNoticesAsync).RequireAuthorization(StaffPolicies.Viewer).WithTags("Reminder topics");
        var write = app.MapGroup("/api/console/notice-templates").RequireAuthorization(StaffPolicies.Organiser).RequireAntiforgeryToken()
            .WithTags("Reminder topics");
        write.MapPut("/{purpose}/{channel}", SaveAsync);
        return app;
    }

    private static readonly Notice Sample = new("科普日柳州启动仪式", new DateTimeOffset(2024, 9, 19, 1, 30, 0, TimeSpan.Zero),
        "柳南区金绿洲星光大道购物广场", "请提前15分钟到场签到", "即将开始");

    /// <summary>The notices a session's parents were sent (reminders, promotion, change, cancellation) and what they read.</summary>
    public static async Task<Results<Ok<List<SessionNoticeDto>>, ProblemHttpResult>> SessionNoticesAsync(
        long id, HttpContext http, ConsoleStore console, ReminderStore store, CancellationToken ct)
    {
        if (await ConsoleScope.CheckAsync(console, http.User.Actor(), await console.SessionActivityAsync(id, ct), writing: false, ct) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok((await store.SessionNoticesAsync(id, ct)).Select(n => new SessionNoticeDto(n.Id, n.Kind, n.Title, n.Status,
            new DateTimeOffset(DateTime.SpecifyKind(n.CreatedAt, DateTimeKind.Utc)), n.Sent, n.Total, Values(n.MpData ?? n.OaData))).ToList());

        // jsonb keeps no key order: fields are shown in the order of their keys' numbers (thing1, time2, thing3 …).
        static IReadOnlyList<string> Values(string? json) => json is null ? [] : System.Text.Json.JsonSerializer
            .Deserialize<Dictionary<string, string>>(json)!
            .OrderBy(kv => int.TryParse(kv.Key.AsSpan(kv.Key.TrimEnd("0123456789".ToCharArray()).Length), out var n) ? n : 0).Select(kv => kv.Value).ToList();
    }

    public static async Task<Ok<List<NoticeTemplateDto>>> ListAsync(
        NoticeTemplateStore store, TemplateStore templates, IOptions<RemindersOptions> reminders, IOptions<WechatOptions> wechat, CancellationToken ct)
    {
        var rows = await store.ListAsync(ct);
        var layouts = new NoticeLayouts(rows);
        var library = await templates.ListAsync(null, null, ct);
        return TypedResults.Ok(NoticePurposes.Names
            .SelectMany(p => NoticePurposes.Channels(p.Key).Select(channel =>
            {
                var fields = layouts.For(p.Key, channel);
                var row = rows.FirstOrDefault(r => r.Purpose == p.Key && r.Channel == channel);
                var templateId = TemplateId(p.Key, channel, reminders.Value, wechat.Value);
                return WithLibrary(new NoticeTemplateDto(p.Key, p.Value, channel, templateId, fields, row is null, fields.Data(Sample), row?.UpdatedBy),
                    LibraryTemplate(library, templateId, channel));
            }))
            .ToList());
    }

    private static TemplateRow? LibraryTemplate(IReadOnlyList<TemplateRow> library, string? templateId, string channel) =>
        templateId is null ? null : library.FirstOrDefault(t => t.TemplateId == templateId && t.Channel == channel);

    private static NoticeTemplateDto WithLibrary(NoticeTemplateDto dto, TemplateRow? template) => template is null ? dto : dto with
    {
        TemplateTitle = template.Title,
        TemplateFields = TemplateLibrary.FieldsOf(template).Where(f => !f.Hidden).Select(TemplatesApi.FieldDto).ToList(),
        TemplateGone = template.GoneAt is not null,
    };

    public static async Task<Results<Ok<NoticeTemplateDto>, ValidationProblem, ProblemHttpResult>> SaveAsync(
        string purpose, string channel, NoticeFieldsRequest? request, HttpContext http, NoticeTemplateStore store, TemplateStore templates,
        IOptions<RemindersOptions> reminders, IOptions<WechatOptions> wechat, TimeProvider clock, CancellationToken ct)
    {
        if (!NoticePurposes.Names.TryGetValue(purpose, out var name) || !NoticePurposes.Channels(purpose).Contains(channel))
        {
            return Problems.NotFound("没有这种通知", "通知类型须为 session_reminder、signup_confirmed、waitlist_promoted、session_cancelled、" +
                "session_changed 或 topic_round，渠道为 mp_subscribe（小程序订阅消息）或 oa_template（公众号模板消息）；主题提醒只用公众号模板消息。");
        }

        var errors = new Errors();
        var subscribe = channel == DeliveryChannels.MiniProgramSubscribe;
        var activity = Key(errors, "activity", request?.Activity, subscribe, required: true);
        var time = Key(errors, "time", request?.Time, subscribe, required: true);
        var place = Key(errors, "place", request?.Place, subscribe, required: false);
        var note = Key(errors, "note", request?.Note, subscribe, required: false);
        var keys = new[] { activity, time, place, note }.Where(k => !string.IsNullOrEmpty(k)).ToList();
        if (keys.Count != keys.Distinct(StringComparer.Ordinal).Count())
        {
            errors.Add("fields", "每个模板字段只能放一项内容");
        }

        // When the library holds the configured template, only its shown fields can be chosen.
        var templateId = TemplateId(purpose, channel, reminders.Value, wechat.Value);
        var template = LibraryTemplate(await templates.ListAsync(null, channel, ct), templateId, channel);
        if (template is not null)
        {
            var shown = TemplateLibrary.FieldsOf(template).Where(f => !f.Hidden).ToList();
            foreach (var (role, key) in new[] { ("activity", activity), ("time", time), ("place", place), ("note", note) })
            {
                if (!string.IsNullOrEmpty(key) && shown.All(f => f.Key != key))
                {
                    errors.Add(role, $"模板“{template.Title}”没有 {key} 字段，可选：{string.Join("、", shown.Select(f => $"{f.Label}（{f.Key}）"))}");
                }
            }
        }

        if (errors.Any)
        {
            return Problems.Validation(errors.All);
        }

        var fields = new NoticeFields(activity!, time!, place ?? "", note ?? "");
        await store.SaveAsync(new NoticeFieldRow(purpose, channel, fields.Activity, fields.Time, fields.Place, fields.Note),
            http.User.Actor(), clock.GetUtcNow(), ct);
        return TypedResults.Ok(WithLibrary(new NoticeTemplateDto(purpose, name, channel, templateId, fields, false,
            fields.Data(Sample), http.User.Actor().Name), template));
    }

    /// <summary>
    /// A template key as WeChat names them: <c>thing1</c>, <c>time2</c>, <c>keyword3</c>… Subscribe-message
    /// kinds must suit the content (a time in <c>time</c>/<c>date</c>, text in <c>thing</c>/<c>phrase</c>).
    /// </summary>
    private static string? Key(Errors errors, string role, string? value, bool subscribe, bool required)
    {
        var key = value?.Trim() ?? "";
        if (key.Length == 0)
        {
            if (required)
            {
                errors.Add(role, "请填写模板字段名，如 thing1、time2、keyword1");
            }

            return null;
        }

        if (key is "first" or "remark")
        {
            errors.Add(role, "自 2023 年 5 月 4 日起微信不再显示 first 和 remark 字段，请选用模板的关键词字段");
            return null;
        }

        if (!KeyPattern().IsMatch(key))
        {
            errors.Add(role, "字段名应为模板中的关键词名，如 thing1、time2、keyword1（不含 .DATA）");
            return null;
        }

        var kind = NoticeText.Kind(key);
        if (role == "time" ? !(NoticeText.IsTimeKind(key) || (!subscribe && kind == "keyword")) : NoticeText.IsTimeKind(key))
        {
            errors.Add(role, role == "time" ? "时间须放在 time 或 date 类字段中" : "time / date 类字段只能放时间");
            return null;
        }

        if (subscribe && role != "time" && kind is not ("thing" or "phrase" or "name"))
        {
            errors.Add(role, "订阅消息中文字内容须放在 thing（20 字以内）或 phrase（5 字以内）类字段中");
            return null;
        }

        return key;
    }

    private static string? TemplateId(string purpose, string channel, RemindersOptions reminders, WechatOptions wechat) =>
        channel == DeliveryChannels.MiniProgramSubscribe
            ? wechat.MiniProgram.Templates.FirstOrDefault(t => t.Purpose == purpose)?.Id
            : reminders.OfficialAccountTemplates.For(purpose) is { Length: > 0 } id ? id : null;

    [GeneratedRegex("^[a-z][a-z_]*[0-9]{1,3}$")]
    private static partial Regex KeyPattern();
}
