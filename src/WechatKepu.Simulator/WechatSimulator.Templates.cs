using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace WechatKepu.Simulator;

/// <summary>A template as an account holds it: an official-account template (<see cref="Type"/> null) or a mini-program subscribe template (2 one-time, 3 long-term).</summary>
/// <param name="Content">One field a line, e.g. <c>活动名称:{{thing1.DATA}}</c>.</param>
/// <param name="Enums">For <c>enum_string</c> fields (key as <c>enum_string2.DATA</c>): the values WeChat accepts.</param>
public sealed record SimTemplate(string Id, string Title, string Content, string Example = "", int? Type = null,
    string PrimaryIndustry = "教育", string DeputyIndustry = "培训", IReadOnlyDictionary<string, string[]>? Enums = null);

/// <summary>
/// cgi-bin/template/get_all_private_template (the official account's templates, answered without errcode) and
/// wxaapi/newtmpl/gettemplate (the mini-program's, with errcode 0 and <c>data</c>), in the order they were added.
/// A template added here is also one the send APIs accept (<see cref="AddTemplate"/>); a removed one answers 40037.
/// </summary>
public sealed partial class WechatSimulator
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, (long Order, SimTemplate Template)>> _templateDefinitions = new();
    private long _templateOrder;

    /// <summary>Adds (or replaces) a template the account lists; the send APIs accept its id from now on.</summary>
    public void AddTemplate(string appId, SimTemplate template)
    {
        AddTemplate(appId, template.Id);
        _templateDefinitions.GetOrAdd(appId, _ => new())[template.Id] = (Interlocked.Increment(ref _templateOrder), template);
    }

    /// <summary>The account deleted the template in its admin: it leaves the lists and sends with it answer 40037.</summary>
    public void RemoveTemplate(string appId, string templateId)
    {
        var account = GetAccount(appId);
        account.TemplateIds.TryRemove(templateId, out _);
        account.RemovedTemplateIds[templateId] = 0;
        if (_templateDefinitions.TryGetValue(appId, out var defined))
        {
            defined.TryRemove(templateId, out _);
        }
    }

    private IEnumerable<SimTemplate> Templates(string appId, bool subscribe) =>
        _templateDefinitions.TryGetValue(appId, out var defined)
            ? defined.Values.OrderBy(t => t.Order).Select(t => t.Template).Where(t => t.Type is not null == subscribe)
            : [];

    private SimResult PrivateTemplates(SimRequest r)
    {
        var list = new JsonArray();
        foreach (var t in Templates(r.Acct.AppId, subscribe: false))
        {
            list.Add(new JsonObject
            {
                ["template_id"] = t.Id,
                ["title"] = t.Title,
                ["primary_industry"] = t.PrimaryIndustry,
                ["deputy_industry"] = t.DeputyIndustry,
                ["content"] = t.Content,
                ["example"] = t.Example,
            });
        }

        return Data(new JsonObject { ["template_list"] = list });
    }

    private SimResult SubscribeTemplates(SimRequest r)
    {
        var list = new JsonArray();
        foreach (var t in Templates(r.Acct.AppId, subscribe: true))
        {
            var item = new JsonObject
            {
                ["priTmplId"] = t.Id,
                ["title"] = t.Title,
                ["content"] = t.Content,
                ["example"] = t.Example,
                ["type"] = t.Type,
            };
            if (t.Enums is { Count: > 0 } enums)
            {
                item["keywordEnumValueList"] = new JsonArray(enums.Select(e => (JsonNode)new JsonObject
                {
                    ["keywordCode"] = e.Key,
                    ["enumValueList"] = new JsonArray(e.Value.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()),
                }).ToArray());
            }

            list.Add(item);
        }

        return Ok(new JsonObject { ["data"] = list });
    }
}
