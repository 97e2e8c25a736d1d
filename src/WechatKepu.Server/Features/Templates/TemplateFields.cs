using System.Text.RegularExpressions;
using WechatKepu.Wechat.Api;

namespace WechatKepu.Server.Features.Templates;

/// <summary>One field of a template, as its content names it: <c>活动名称:{{thing1.DATA}}</c> → (thing1, thing, 活动名称).</summary>
/// <param name="Hidden">first/remark: WeChat has not shown them since 2023-05-04, so nothing is sent in them.</param>
/// <param name="EnumValues">enum fields: the only values WeChat accepts.</param>
public sealed record TemplateField(string Key, string Kind, string Label, bool Hidden = false, IReadOnlyList<string>? EnumValues = null);

/// <summary>What a field kind takes, in Chinese for staff, and its length limit (characters).</summary>
public sealed record FieldKindRule(string Kind, string Name, string Rule, int Max, bool TakesText, bool TakesTime);

/// <summary>
/// WeChat's field kinds and their rules (the subscribe-message documentation's table, which the official
/// account's category templates share), the one check every template message we build goes through, and
/// the parse of a template's content into its fields. A template message's keyword is also shown as at most
/// 20 characters on one line since 2023-05-04.
/// </summary>
public static partial class TemplateFields
{
    private static readonly Dictionary<string, FieldKindRule> Rules = new FieldKindRule[]
    {
        new("thing", "事物", "20 个以内字符（汉字、数字、字母或符号）", 20, TakesText: true, TakesTime: false),
        new("short_thing", "短事物", "5 个以内字符（汉字、数字、字母或符号）", 5, TakesText: true, TakesTime: false),
        new("phrase", "汉字短语", "5 个以内汉字", 5, TakesText: true, TakesTime: false),
        new("name", "姓名", "10 个以内汉字或 20 个以内字母", 20, TakesText: true, TakesTime: false),
        new("number", "数字", "32 位以内数字，可带小数", 32, TakesText: false, TakesTime: false),
        new("letter", "字母", "32 位以内字母", 32, TakesText: false, TakesTime: false),
        new("symbol", "符号", "5 位以内符号", 5, TakesText: false, TakesTime: false),
        new("character_string", "字符串", "32 位以内数字、字母或符号", 32, TakesText: false, TakesTime: false),
        new("time", "时间", "24 小时制时间，如 15:01 或 2019年10月1日 15:01", 25, TakesText: false, TakesTime: true),
        new("date", "日期", "年月日，如 2019年10月1日，可带时间 15:01", 25, TakesText: false, TakesTime: true),
        new("amount", "金额", "1 个币种符号 + 10 位以内数字，可带小数，结尾可带“元”", 14, TakesText: false, TakesTime: false),
        new("phone_number", "电话", "17 位以内数字和符号，如 0772-2825960", 17, TakesText: false, TakesTime: false),
        new("car_number", "车牌", "8 位以内，首尾可为汉字，其余为字母或数字", 8, TakesText: false, TakesTime: false),
        new("enum", "枚举", "只能是模板规定的几个值之一", 20, TakesText: false, TakesTime: false),
        // Legacy official-account templates (keyword1, or any name): WeChat shows 20 characters of one line.
        new("keyword", "关键词", "一行，20 个字以内（超出部分微信不显示）", 20, TakesText: true, TakesTime: true),
    }.ToDictionary(r => r.Kind, StringComparer.Ordinal);

    /// <summary>The rule of a field kind; unknown kinds (a legacy template's own names) follow the keyword rule.</summary>
    public static FieldKindRule Rule(string kind) => Rules.TryGetValue(kind, out var rule) ? rule : Rules["keyword"];

    /// <summary>How long a text laid into a field of this key's kind may be (a name: 10 Chinese characters).</summary>
    public static int FitLength(string key) => Kind(key) is "name" ? 10 : Rule(Kind(key)).Max;

    /// <summary>The kind of a key: <c>thing3</c> → thing, <c>character_string12</c> → character_string, <c>enum_string2</c> → enum.</summary>
    public static string Kind(string key) => TemplateFieldKinds.Of(key) is "first" or "remark" ? "keyword" : TemplateFieldKinds.Of(key);

    /// <summary>The fields of a template's content, in order; a key repeated is listed once.</summary>
    public static IReadOnlyList<TemplateField> Parse(string content, IReadOnlyDictionary<string, IReadOnlyList<string>>? enums = null)
    {
        var fields = new List<TemplateField>();
        foreach (var line in content.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            foreach (Match m in PlaceholderPattern().Matches(line))
            {
                var key = m.Groups[1].Value;
                if (fields.Any(f => f.Key == key))
                {
                    continue;
                }

                var label = line[..m.Index].Trim().TrimEnd(':', '：').Trim();
                var hidden = key is "first" or "remark";
                var kind = Kind(key);
                fields.Add(new TemplateField(key, kind, label.Length > 0 ? label : Rule(kind).Name, hidden,
                    enums is not null && enums.TryGetValue(key, out var v) ? v : null));
            }
        }

        return fields;
    }

    /// <summary>
    /// Why <paramref name="value"/> cannot go into a field of <paramref name="kind"/>, in Chinese, or null when it can.
    /// The one check of template values: previews, topic texts and what reminders and broadcasts send.
    /// </summary>
    public static string? Check(TemplateField field, string? value)
    {
        if (field.Hidden)
        {
            return string.IsNullOrEmpty(value) ? null : "自 2023 年 5 月 4 日起微信不再显示 first 和 remark 字段，请把内容填在其他字段中";
        }

        var v = value ?? "";
        var rule = Rule(field.Kind);
        if (v.Trim().Length == 0)
        {
            return $"请填写{field.Label}";
        }

        if (v.Contains('\n', StringComparison.Ordinal) || v.Contains('\r', StringComparison.Ordinal))
        {
            return $"{field.Label}只能有一行";
        }

        var ok = TemplateFieldKinds.IsValid(field.Kind, v, field.EnumValues);
        return ok ? null
            : field.Kind == "enum" ? $"{field.Label}只能是：{string.Join("、", field.EnumValues!)}"
            : $"{field.Label}（{rule.Name}）须为{rule.Rule}";
    }

    /// <summary>Every field's error for <paramref name="data"/>, keyed <c>data.thing1</c>; a key the template lacks is one too.</summary>
    public static Dictionary<string, string[]> CheckAll(IReadOnlyList<TemplateField> fields, IReadOnlyDictionary<string, string>? data)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        data ??= new Dictionary<string, string>();
        foreach (var field in fields)
        {
            if (Check(field, data.GetValueOrDefault(field.Key)) is { } error)
            {
                errors["data." + field.Key] = [error];
            }
        }

        foreach (var key in data.Keys.Where(k => fields.All(f => f.Key != k)))
        {
            errors["data." + key] = [$"模板没有 {key} 字段"];
        }

        return errors;
    }

    [GeneratedRegex(@"\{\s*\{\s*([A-Za-z_][A-Za-z_0-9]*)\.DATA\s*\}\s*\}")]
    private static partial Regex PlaceholderPattern();
}
