using System.Globalization;

namespace WechatKepu.Server.Infrastructure;

/// <summary>
/// Reads query-string values by hand so that a bad value becomes a 400 naming the parameter in
/// Chinese, rather than the framework's generic binding failure.
/// </summary>
public sealed class QueryReader(IQueryCollection query)
{
    private readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);

    public IDictionary<string, string[]> Errors => _errors;

    public bool IsValid => _errors.Count == 0;

    public void Fail(string name, string message) => _errors[name] = [message];

    public string? Text(string name, int maxLength)
    {
        var value = Single(name);
        if (value is null)
        {
            return null;
        }

        value = value.Trim();
        if (value.Length > maxLength)
        {
            Fail(name, $"{name} 不能超过 {maxLength} 个字符");
            return null;
        }

        // PostgreSQL refuses NUL in text outright (a 500 if it got that far); no filter needs control characters.
        if (value.Any(char.IsControl))
        {
            Fail(name, $"{name} 含有无效字符");
            return null;
        }

        return value.Length == 0 ? null : value;
    }

    public int Int(string name, int defaultValue, int min, int max)
    {
        var value = Single(name);
        if (value is null)
        {
            return defaultValue;
        }

        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
        {
            Fail(name, $"{name} 必须是 {min} 到 {max} 之间的整数");
            return defaultValue;
        }

        return n;
    }

    public bool? Bool(string name)
    {
        var value = Single(name);
        switch (value?.ToLowerInvariant())
        {
            case null: return null;
            case "true" or "1": return true;
            case "false" or "0": return false;
            default:
                Fail(name, $"{name} 必须是 true 或 false");
                return null;
        }
    }

    /// <summary>A month as <c>yyyy-MM</c>, returned as its first day.</summary>
    public DateOnly? Month(string name)
    {
        var value = Single(name);
        if (value is null)
        {
            return null;
        }

        if (!DateOnly.TryParseExact(value + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            || d.Year < 2000 || d.Year > 2100)
        {
            Fail(name, $"{name} 必须是 yyyy-MM 格式的月份，例如 2024-09");
            return null;
        }

        return d;
    }

    /// <summary>A calendar day as <c>yyyy-MM-dd</c>.</summary>
    public DateOnly? Date(string name)
    {
        var value = Single(name);
        if (value is null)
        {
            return null;
        }

        if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) || d.Year < 2000 || d.Year > 2100)
        {
            Fail(name, $"{name} 必须是 yyyy-MM-dd 格式的日期，例如 2024-09-21");
            return null;
        }

        return d;
    }

    public DateTimeOffset? Instant(string name)
    {
        var value = Single(name);
        if (value is null)
        {
            return null;
        }

        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
        {
            Fail(name, $"{name} 必须是 ISO-8601 时间，例如 2024-09-21T09:30:00+08:00");
            return null;
        }

        return t;
    }

    public string? OneOf(string name, IReadOnlyDictionary<string, string> allowed)
    {
        var value = Single(name);
        if (value is null)
        {
            return null;
        }

        if (allowed.TryGetValue(value.Trim(), out var canonical))
        {
            return canonical;
        }

        Fail(name, $"{name} 必须是以下之一：{string.Join("、", allowed.Values.Distinct())}");
        return null;
    }

    private string? Single(string name)
    {
        if (!query.TryGetValue(name, out var values) || values.Count == 0)
        {
            return null;
        }

        if (values.Count > 1)
        {
            Fail(name, $"{name} 只能出现一次");
            return null;
        }

        return string.IsNullOrEmpty(values[0]) ? null : values[0];
    }
}
