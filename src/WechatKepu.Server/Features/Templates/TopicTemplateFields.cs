using System.Text.Json;
using WechatKepu.Server.Features.Reminders;

namespace WechatKepu.Server.Features.Templates;

/// <summary>A content a topic's round can put into a template field.</summary>
public sealed record FieldSource(string Value, string Label);

/// <summary>
/// What goes into each field of a topic's template: one of the parts of a round's notice (<see cref="Notice"/>:
/// the topic and round, the start, the place, the note) or a fixed text (<c>text:线上答题</c>). Staff choose it in a
/// form made from the template's fields; a template whose shown fields are not all filled cannot carry the topic.
/// </summary>
public static class TopicTemplateFields
{
    public const string TextPrefix = "text:";

    public static readonly IReadOnlyList<FieldSource> Sources =
    [
        new("activity", "主题与轮次名称"),
        new("time", "轮次开始时间"),
        new("place", "地点"),
        new("note", "提示（主题说明或退订方法）"),
        new(TextPrefix, "固定文字"),
    ];

    /// <summary>Which parts fit which field kinds: a time only into time/date, text into thing-like kinds.</summary>
    private static bool Fits(string source, string kind) => source switch
    {
        "time" => kind is "time" or "date" or "keyword",
        "activity" or "place" => kind is "thing" or "keyword",
        "note" => kind is "thing" or "keyword" or "phrase",
        _ => false,
    };

    public static Dictionary<string, string>? Read(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(json);

    /// <summary>Every problem of the mapping for the template's fields, keyed <c>templateFields.thing1</c>, in Chinese.</summary>
    public static Dictionary<string, string[]> Check(IReadOnlyList<TemplateField> fields, IReadOnlyDictionary<string, string>? map)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        map ??= new Dictionary<string, string>();
        foreach (var field in fields)
        {
            var name = "templateFields." + field.Key;
            var source = map.GetValueOrDefault(field.Key)?.Trim();
            if (field.Hidden)
            {
                if (!string.IsNullOrEmpty(source))
                {
                    errors[name] = ["自 2023 年 5 月 4 日起微信不再显示 first 和 remark 字段，请不要为它选择内容"];
                }

                continue;
            }

            if (string.IsNullOrEmpty(source))
            {
                errors[name] = [$"请为“{field.Label}”选择内容"];
            }
            else if (source.StartsWith(TextPrefix, StringComparison.Ordinal))
            {
                if (TemplateFields.Check(field, source[TextPrefix.Length..]) is { } error)
                {
                    errors[name] = [error];
                }
            }
            else if (Sources.All(s => s.Value != source))
            {
                errors[name] = ["内容须从列表中选择：主题与轮次名称、轮次开始时间、地点、提示或固定文字"];
            }
            else if (!Fits(source, field.Kind))
            {
                errors[name] = [source == "time"
                    ? $"“{field.Label}”是{TemplateFields.Rule(field.Kind).Name}字段，放不下时间：请选其他内容或固定文字"
                    : $"“{field.Label}”是{TemplateFields.Rule(field.Kind).Name}字段（{TemplateFields.Rule(field.Kind).Rule}），请改为固定文字或选择时间字段"];
            }
        }

        foreach (var key in map.Keys.Where(k => fields.All(f => f.Key != k)))
        {
            errors["templateFields." + key] = [$"模板没有 {key} 字段"];
        }

        var roles = map.Values.Where(v => !v.StartsWith(TextPrefix, StringComparison.Ordinal)).ToList();
        foreach (var duplicate in roles.GroupBy(r => r).Where(g => g.Count() > 1))
        {
            errors["templateFields"] = [$"“{Sources.First(s => s.Value == duplicate.Key).Label}”只能放在一个字段中"];
        }

        if (!roles.Contains("activity") || !roles.Contains("time"))
        {
            errors.TryAdd("templateFields", ["请至少把“主题与轮次名称”和“轮次开始时间”各放进一个字段，粉丝才知道提醒的是什么、何时开始"]);
        }

        return errors;
    }

    /// <summary>The template data of a round: the notice's parts fitted to their fields, the fixed texts as they are.</summary>
    public static Dictionary<string, string> Data(IReadOnlyDictionary<string, string> map, Notice notice)
    {
        string Key(string role) => map.FirstOrDefault(kv => kv.Value == role).Key ?? "";
        var data = new NoticeFields(Key("activity"), Key("time"), Key("place"), Key("note")).Data(notice);
        foreach (var (key, source) in map.Where(kv => kv.Value.StartsWith(TextPrefix, StringComparison.Ordinal)))
        {
            data[key] = source[TextPrefix.Length..];
        }

        return data;
    }
}
