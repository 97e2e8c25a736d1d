namespace WechatKepu.Server.Infrastructure;

/// <summary>Collects field errors of a request body, with Chinese messages, for one ValidationProblem.</summary>
public sealed class Errors
{
    private readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public IDictionary<string, string[]> All => _errors;

    public void Add(string field, string message) =>
        _errors[field] = _errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];

    /// <summary>A trimmed required text of 1..<paramref name="max"/> characters, or null with an error.</summary>
    public string? Text(string field, string? value, string label, int max, bool required = true)
    {
        var v = value?.Trim();
        if (string.IsNullOrEmpty(v))
        {
            if (required)
            {
                Add(field, $"请填写{label}");
            }

            return null;
        }

        if (v.Length > max)
        {
            Add(field, $"{label}不能超过 {max} 个字");
            return null;
        }

        if (v.Any(char.IsControl))
        {
            Add(field, $"{label}含有无效字符");
            return null;
        }

        return v;
    }

    /// <summary>A trimmed absolute http(s) address of at most <paramref name="max"/> characters, or null with an error.</summary>
    public string? Url(string field, string? value, string label, int max, bool required = true)
    {
        var v = Text(field, value, label, max, required);
        if (v is not null && !(Uri.TryCreate(v, UriKind.Absolute, out var u) && u.Scheme is "https" or "http"))
        {
            Add(field, $"{label}须为 http(s) 地址");
            return null;
        }

        return v;
    }
}
