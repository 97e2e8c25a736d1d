using System.Text.Json;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Delivery;
using WechatKepu.Data.Templates;
using WechatKepu.Server.Features.Reminders;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Wechat.Api;

namespace WechatKepu.Server.Features.Templates;

/// <summary>An account whose templates the library holds: each official account (template messages) and the mini-program (subscribe messages).</summary>
public sealed record TemplateAccount(string AppId, string Name, string Channel);

/// <param name="Error">Why WeChat's list could not be read, in Chinese; null when the sync went through.</param>
public sealed record TemplateSyncResult(string AppId, string Name, string Channel, int Listed, int Added, int Gone, string? Error);

/// <summary>
/// Fills the template library from WeChat: <c>get_all_private_template</c> for each official account and
/// <c>wxaapi/newtmpl/gettemplate</c> for the mini-program. Staff sync with a button; lists sync an account
/// never synced before on their own.
/// </summary>
public sealed class TemplateLibrary(
    TemplateStore store, WechatClients wechat, IOptions<WechatOptions> options, IOptions<RemindersOptions> reminders, TimeProvider clock,
    ILogger<TemplateLibrary> log)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public IReadOnlyList<TemplateAccount> Accounts()
    {
        var accounts = options.Value.OfficialAccounts
            .Select(a => new TemplateAccount(a.AppId, a.Name.Length > 0 ? a.Name : a.AppId, DeliveryChannels.OfficialAccountTemplate)).ToList();
        if (wechat.MiniProgramConfigured)
        {
            accounts.Add(new TemplateAccount(options.Value.MiniProgram.AppId, "小程序", DeliveryChannels.MiniProgramSubscribe));
        }

        return accounts;
    }

    /// <summary>Syncs every account (or the one named); a refusal by WeChat is recorded and reported, never thrown.</summary>
    public async Task<IReadOnlyList<TemplateSyncResult>> SyncAsync(string? appId, CancellationToken cancellationToken)
    {
        var results = new List<TemplateSyncResult>();
        foreach (var account in Accounts().Where(a => appId is null || a.AppId == appId))
        {
            results.Add(await SyncAccountAsync(account, cancellationToken));
        }

        return results;
    }

    /// <summary>Syncs the accounts the library has never read (first visit of the template page or topic editor).</summary>
    public async Task EnsureSyncedAsync(CancellationToken cancellationToken)
    {
        var tried = (await store.SyncsAsync(cancellationToken)).Select(s => (s.AppId, s.Channel)).ToHashSet();
        foreach (var account in Accounts().Where(a => !tried.Contains((a.AppId, a.Channel))))
        {
            await SyncAccountAsync(account, cancellationToken);
        }
    }

    private async Task<TemplateSyncResult> SyncAccountAsync(TemplateAccount account, CancellationToken cancellationToken)
    {
        var subscribe = account.Channel == DeliveryChannels.MiniProgramSubscribe;
        List<TemplateSyncItem> items;
        try
        {
            items = subscribe ? await MiniProgramItemsAsync(cancellationToken) : await OfficialItemsAsync(account.AppId, cancellationToken);
        }
        catch (WechatApiException e)
        {
            var reason = Refusal(e);
            log.LogWarning("Template list of {AppId} not synced: {Errcode} {Errmsg}", account.AppId, e.Errcode, e.Errmsg);
            await store.RecordFailureAsync(account.AppId, account.Channel, reason, clock.GetUtcNow(), CancellationToken.None);
            return new TemplateSyncResult(account.AppId, account.Name, account.Channel, 0, 0, 0, reason);
        }

        var outcome = await store.SyncAsync(account.AppId, account.Channel, items, ConfiguredIds(), clock.GetUtcNow(), cancellationToken);
        return new TemplateSyncResult(account.AppId, account.Name, account.Channel, outcome.Listed, outcome.Added, outcome.Gone, null);
    }

    private async Task<List<TemplateSyncItem>> OfficialItemsAsync(string appId, CancellationToken cancellationToken) =>
        (await wechat.ForOfficialAccount(appId).GetPrivateTemplatesAsync(cancellationToken)).Templates
        .Select(t => Item(t.TemplateId, t.Title, t.Content, t.Example, t.PrimaryIndustry, t.DeputyIndustry, null, null)).ToList();

    private async Task<List<TemplateSyncItem>> MiniProgramItemsAsync(CancellationToken cancellationToken) =>
        (await wechat.MiniProgram.GetSubscribeTemplatesAsync(cancellationToken)).Templates
        .Select(t => Item(t.PriTmplId, t.Title, t.Content, t.Example, null, null, t.Type,
            t.KeywordEnumValueList?.ToDictionary(e => e.KeywordCode.Replace(".DATA", "", StringComparison.Ordinal), e => e.EnumValueList)))
        .ToList();

    private static TemplateSyncItem Item(string id, string title, string content, string? example, string? primary, string? deputy, int? type,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? enums)
    {
        var fields = TemplateFields.Parse(content, enums);
        return new TemplateSyncItem(id, title, content, example ?? "", primary, deputy, type, JsonSerializer.Serialize(fields, Json),
            fields.Where(f => !f.Hidden).Select(f => f.Key).ToArray());
    }

    /// <summary>Template ids the configuration names for notices: kept in the library (marked gone) when WeChat drops them.</summary>
    private string[] ConfiguredIds()
    {
        var oa = reminders.Value.OfficialAccountTemplates;
        return new[] { oa.SessionReminder, oa.WaitlistPromoted, oa.SessionCancelled, oa.SessionChanged }
            .Concat(options.Value.MiniProgram.Templates.Select(t => t.Id))
            .OfType<string>().Where(id => id.Length > 0).Distinct().ToArray();
    }

    public static IReadOnlyList<TemplateField> FieldsOf(TemplateRow row) =>
        JsonSerializer.Deserialize<List<TemplateField>>(row.Fields, Json) ?? [];

    private static string Refusal(WechatApiException e) => e.IsTransport
        ? "暂时连不上微信，请稍后再同步。"
        : e.Errcode switch
        {
            48001 => "该账号没有模板消息接口权限（错误码 48001）：请在公众平台开通模板消息或订阅消息后再同步。",
            40001 or 40014 or 42001 => $"访问凭证无效（错误码 {e.Errcode}）：请检查 AppSecret 配置。",
            40164 => "服务器 IP 不在该账号的白名单中（错误码 40164）。",
            40125 => "AppSecret 不正确（错误码 40125）。",
            _ => $"微信返回错误码 {e.Errcode}：{e.Errmsg}",
        };
}
