namespace WechatKepu.Wechat.Messages;

/// <summary>
/// One element of a WeChat XML body: a leaf with a text <see cref="Value"/>, or a group with
/// <see cref="Children"/>. Lighter than XDocument and read-only once parsed.
/// </summary>
public sealed class WechatXmlElement
{
    private static readonly Dictionary<string, string> NoFields = new(StringComparer.Ordinal);
    private List<WechatXmlElement>? _children;
    private Dictionary<string, string>? _fields;

    internal WechatXmlElement(string name) => Name = name;

    /// <summary>The element name, case as sent.</summary>
    public string Name { get; }

    /// <summary>The text (CDATA included) of a leaf; <see langword="null"/> for an element with children.</summary>
    public string? Value { get; private set; }

    /// <summary>Child elements in document order, repeated ones included (<c>&lt;List&gt;</c>, <c>&lt;item&gt;</c>).</summary>
    public IReadOnlyList<WechatXmlElement> Children => (IReadOnlyList<WechatXmlElement>?)_children ?? [];

    /// <summary>Leaf children by name (ordinal); the first wins when a name repeats.</summary>
    public IReadOnlyDictionary<string, string> Fields => _fields ?? NoFields;

    /// <summary>The text of the leaf child <paramref name="name"/>, or <see langword="null"/>.</summary>
    public string? Field(string name) => _fields is not null && _fields.TryGetValue(name, out var value) ? value : null;

    /// <summary>The first child named <paramref name="name"/>, or <see langword="null"/>.</summary>
    public WechatXmlElement? Element(string name)
    {
        if (_children is not null)
        {
            foreach (var child in _children)
            {
                if (child.Name == name)
                {
                    return child;
                }
            }
        }

        return null;
    }

    /// <summary>All children named <paramref name="name"/>.</summary>
    public IEnumerable<WechatXmlElement> Elements(string name) =>
        _children is null ? [] : _children.Where(child => child.Name == name);

    internal void AddChild(WechatXmlElement child)
    {
        (_children ??= []).Add(child);
        if (child.Value is not null)
        {
            (_fields ??= new Dictionary<string, string>(StringComparer.Ordinal)).TryAdd(child.Name, child.Value);
        }
    }

    internal void Complete(string? text)
    {
        // Whitespace between child elements is formatting, not a value.
        Value = _children is null ? text ?? string.Empty : null;
    }
}
