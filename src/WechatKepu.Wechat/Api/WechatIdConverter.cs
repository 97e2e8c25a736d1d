using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace WechatKepu.Wechat.Api;

/// <summary>
/// WeChat's message ids (<c>msgid</c>, <c>msg_id</c>, <c>MsgID</c>) as text. They are JSON numbers of 19 digits
/// today (e.g. <c>1700827132819554304</c>), which fit a signed 64-bit integer, but nothing promises they stay
/// that short: read as text they survive any length, and a string-typed id is accepted as well. Written back
/// as a JSON number when it is all digits, as WeChat expects.
/// </summary>
public sealed class WechatIdConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Number => reader.HasValueSequence ? Encoding.ASCII.GetString(System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence)) : Encoding.ASCII.GetString(reader.ValueSpan),
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Null => null,
            _ => throw new JsonException($"expected a message id, got {reader.TokenType}"),
        };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        if (IsDigits(value))
        {
            writer.WriteRawValue(value, skipInputValidation: true);
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }

    /// <summary>True for a non-empty run of ASCII digits: the only shape a usable WeChat id has.</summary>
    public static bool IsDigits(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 64 && value.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0;
}
