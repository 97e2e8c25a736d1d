using System.Globalization;
using System.Text.RegularExpressions;

namespace WechatKepu.Wechat.Api;

/// <summary>
/// WeChat's rules for template and subscribe-message values by field kind, as the subscribe-message
/// documentation lists them (the kind is the key without its number: <c>thing3</c> → thing). A value that
/// breaks its kind's rule is refused with 47003 <c>data.&lt;key&gt;.value invalid</c>.
/// </summary>
public static partial class TemplateFieldKinds
{
    /// <summary>The kind of a key: <c>thing3</c> → thing, <c>character_string12</c> → character_string, <c>enum_string2</c> → enum;
    /// a legacy official-account key (<c>keyword1</c>, <c>withdrawMoney</c>) → keyword.</summary>
    public static string Of(string key)
    {
        var kind = key.TrimEnd("0123456789".ToCharArray());
        return kind.StartsWith("enum", StringComparison.Ordinal) ? "enum" : Known.Contains(kind) ? kind : "keyword";
    }

    private static readonly HashSet<string> Known =
    [
        "thing", "short_thing", "phrase", "name", "number", "letter", "symbol", "character_string", "time", "date", "amount",
        "phone_number", "car_number", "keyword", "first", "remark",
    ];

    /// <summary>Whether <paramref name="value"/> (one line, not empty) fits a field of <paramref name="kind"/>.</summary>
    /// <param name="enumValues">An enum field's allowed values; null accepts any.</param>
    public static bool IsValid(string kind, string value, IReadOnlyCollection<string>? enumValues = null)
    {
        if (value.Trim().Length == 0 || value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
        {
            return false;
        }

        var length = new StringInfo(value).LengthInTextElements;
        return kind switch
        {
            "thing" or "keyword" or "first" or "remark" => length <= 20,
            "short_thing" => length <= 5,
            "phrase" => PhrasePattern().IsMatch(value),
            "name" => value.All(char.IsAscii) ? length <= 20 && value.All(c => char.IsAsciiLetter(c) || c == ' ') : length <= 10,
            "number" => NumberPattern().IsMatch(value) && value.Count(char.IsAsciiDigit) <= 32,
            "letter" => LetterPattern().IsMatch(value),
            "symbol" => length <= 5 && value.All(c => !char.IsLetterOrDigit(c) && !char.IsWhiteSpace(c)),
            "character_string" => CharacterStringPattern().IsMatch(value),
            "time" => TimePattern().IsMatch(value),
            "date" => DatePattern().IsMatch(value),
            "amount" => AmountPattern().IsMatch(value),
            "phone_number" => length <= 17 && PhonePattern().IsMatch(value),
            "car_number" => CarNumberPattern().IsMatch(value),
            "enum" => enumValues is not { Count: > 0 } || enumValues.Contains(value),
            _ => length <= 20,
        };
    }

    [GeneratedRegex(@"^\p{IsCJKUnifiedIdeographs}{1,5}$")]
    private static partial Regex PhrasePattern();

    [GeneratedRegex(@"^-?[0-9]+(\.[0-9]+)?$")]
    private static partial Regex NumberPattern();

    [GeneratedRegex("^[A-Za-z]{1,32}$")]
    private static partial Regex LetterPattern();

    [GeneratedRegex(@"^[\x21-\x7E]{1,32}$")]
    private static partial Regex CharacterStringPattern();

    // 15:01, 2019年10月1日 15:01, 2019-10-01 15:01, or a range of them joined by ~.
    [GeneratedRegex(@"^(?:(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2}) ?)?\d{1,2}:\d{2}(?::\d{2})?(?: ?~ ?(?:(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2}) ?)?\d{1,2}:\d{2}(?::\d{2})?)?$")]
    private static partial Regex TimePattern();

    // 2019年10月1日, optionally with a time, or a range.
    [GeneratedRegex(@"^(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2})(?: ?\d{1,2}:\d{2}(?::\d{2})?)?(?: ?~ ?(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2})(?: ?\d{1,2}:\d{2}(?::\d{2})?)?)?$")]
    private static partial Regex DatePattern();

    // One currency sign, up to 10 digits, decimals, 元 at the end.
    [GeneratedRegex(@"^[¥￥$€£]?[0-9]{1,10}(\.[0-9]{1,2})?元?$")]
    private static partial Regex AmountPattern();

    [GeneratedRegex(@"^\+?[0-9][0-9\-() ]{0,16}$")]
    private static partial Regex PhonePattern();

    // A plate: first and last may be Chinese (桂B12345, 桂B1234学), the rest letters and digits, 8 at most.
    [GeneratedRegex(@"^[\p{IsCJKUnifiedIdeographs}A-Za-z0-9][A-Za-z0-9]{0,6}[\p{IsCJKUnifiedIdeographs}A-Za-z0-9]?$")]
    private static partial Regex CarNumberPattern();
}
