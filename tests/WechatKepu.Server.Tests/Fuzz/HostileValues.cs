using System.Text;

namespace WechatKepu.Server.Tests.Fuzz;

/// <summary>A seeded source of hostile strings, numbers, JSON and XML: the same seed gives the same run.</summary>
public sealed class HostileValues(int seed)
{
    private static readonly string[] Strings =
    [
        "", " ", "0", "-1", "1", "1.5", "1e309", "NaN", "9223372036854775808", "-9223372036854775809", "２", "true", "null",
        "' OR '1'='1", "1; DROP TABLE signups;--", "\" OR 1=1 --", "') UNION SELECT password FROM staff_users--",
        "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)",
        "../../../../etc/passwd", "..\\..\\windows\\win.ini", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/dev/null",
        "\0", "a\0b", "\u0001\u0002\u001f", "\r\nSet-Cookie: x=1", "\ud800", "\uffff", "👨‍👩‍👧‍👦", "柳州科技馆",
        "${jndi:ldap://x/a}", "{{7*7}}", "%s%s%s%n", "2024-13-45", "2024-09", "9999-99", "13800138000", "三年级",
        "\u202e\u0635", "ＳＥＬＥＣＴ", "\t", new string('长', 300),
    ];

    private readonly Random _random = new(seed);

    public int Next(int max) => _random.Next(max);

    public bool Chance(double p) => _random.NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    public string String() => _random.Next(12) switch
    {
        0 => new string('x', _random.Next(1_000, 20_000)),
        1 => RandomUnicode(_random.Next(1, 40)),
        _ => Pick(Strings),
    };

    /// <summary>A JSON value of any type, possibly nested, possibly huge.</summary>
    public string JsonValue(int depth = 0) => _random.Next(depth > 2 ? 7 : 10) switch
    {
        0 => JsonString(String()),
        1 => Pick(["0", "-1", "1", "2147483648", "-9223372036854775809", "1e400", "1.0000000000000001", "-0", "123456789012345678901234567890"]),
        2 => Pick(["true", "false"]),
        3 => "null",
        4 => JsonString(Pick(Strings)),
        5 => $"[{string.Join(',', Enumerable.Range(0, _random.Next(0, 4)).Select(_ => Pick(["1", "-1", "0", "\"1\"", "null", "1.5"])))}]",
        6 => "[" + string.Join(',', Enumerable.Repeat("1", _random.Next(1_000, 50_000))) + "]",
        7 => "{" + string.Join(',', Enumerable.Range(0, _random.Next(0, 3)).Select(_ => $"{JsonString(String())}:{JsonValue(depth + 1)}")) + "}",
        8 => "[" + JsonValue(depth + 1) + "]",
        _ => JsonObject(depth + 1),
    };

    /// <summary>An object with some of the known property names, each of any type.</summary>
    public string JsonObject(int depth = 0)
    {
        var names = Enumerable.Range(0, _random.Next(1, 5)).Select(_ => Chance(0.85) ? Pick(FuzzTargets.BodyNames) : String()).Distinct();
        return "{" + string.Join(',', names.Select(n => $"{JsonString(n)}:{JsonValue(depth)}")) + "}";
    }

    public static string JsonString(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    /// <summary>A body as bytes with a content type: JSON of every shape, broken JSON, XML attacks, binary.</summary>
    public (byte[] Body, string? ContentType, string What) Body()
    {
        switch (_random.Next(16))
        {
            case 0: return ([], "application/json", "empty json");
            case 1: return (Utf8(Pick(["null", "[]", "{}", "\"x\"", "123", "true", "{\"code\":null}"])), "application/json", "json scalar");
            case 2: return (Utf8(Pick(["{", "{\"a\":}", "{\"a\":1}}", "{'a':1}", "[1,]", "{\"a\":1,}", "\u0000", "{\"a\":\"\\u\"}"])), "application/json", "broken json");
            case 3: return ([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x7d], "application/json", "invalid utf-8");
            case 4:
                var depth = _random.Next(100, 20_000);
                return (Utf8(new string('[', depth) + new string(']', depth)), "application/json", $"nesting {depth}");
            case 5:
                var deep = _random.Next(65, 5_000);
                return (Utf8(string.Concat(Enumerable.Repeat("{\"a\":", deep)) + "1" + new string('}', deep)), "application/json", $"object nesting {deep}");
            case 6: return (Utf8("{\"code\":\"" + new string('a', _random.Next(100_000, 2_000_000)) + "\"}"), "application/json", "huge string");
            case 7: return (Utf8(JsonObject()), Pick(["text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data; boundary=x", null!]), "json, wrong content type");
            case 8:
                return (Utf8("""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><ToUserName>&e;</ToUserName></xml>"""), Pick(["text/xml", "application/xml"]), "xxe");
            case 9:
                return (Utf8("""<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><xml><Content>&d;&d;&d;&d;</Content></xml>"""), "text/xml", "entity expansion");
            case 10: return (Utf8("<xml><ToUserName><![CDATA[" + String() + "]]></ToUserName><Encrypt>" + String() + "</Encrypt><MsgType>" + String() + "</MsgType></xml>"), "text/xml", "xml, hostile values");
            case 11:
                var bytes = new byte[_random.Next(1, 4_096)];
                _random.NextBytes(bytes);
                return (bytes, Pick(["application/json", "application/octet-stream", "text/xml"]), "random bytes");
            default: return (Utf8(JsonObject()), "application/json", "json, wrong types");
        }
    }

    private string RandomUnicode(int length)
    {
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            sb.Append((char)_random.Next(1, 0xFFFF));
        }

        return sb.ToString();
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
