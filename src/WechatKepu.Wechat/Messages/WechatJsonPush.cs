using System.Text.Json;

namespace WechatKepu.Wechat.Messages;

/// <summary>
/// The JSON form of a push body, which a mini-program's message push (消息推送) can be set to instead of XML.
/// It carries the same names as the XML (<c>ToUserName</c>, <c>MsgType</c>, <c>Event</c>,
/// <c>SubscribeMsgSentEvent</c>…), so it is read into the same element tree: an object becomes an element,
/// a scalar (string, number, boolean) a leaf with its text, and an array repeated elements of the
/// property's name. <c>"List": {…}</c> and <c>"List": [{…}, {…}]</c> therefore read alike, as in XML one
/// <c>&lt;List&gt;</c> or several.
/// </summary>
internal static class WechatJsonPush
{
    /// <summary>A body is JSON when its first non-blank character is <c>{</c>; anything else is XML.</summary>
    public static bool IsJson(string body)
    {
        foreach (var c in body)
        {
            if (!char.IsWhiteSpace(c) && c != '\uFEFF')
            {
                return c == '{';
            }
        }

        return false;
    }

    /// <exception cref="WechatMessageFormatException">Not a JSON object, nested too deep, or an array of arrays.</exception>
    public static WechatXmlElement Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = WechatXml.MaxDepth });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new WechatMessageFormatException(WechatMessageFormatError.Malformed, "A JSON push body is an object.");
            }

            var root = new WechatXmlElement("xml");
            AddProperties(root, document.RootElement);
            root.Complete(null);
            return root;
        }
        catch (JsonException e)
        {
            throw new WechatMessageFormatException(WechatMessageFormatError.Malformed, "The JSON push body is malformed: " + e.Message);
        }
    }

    private static void AddProperties(WechatXmlElement parent, JsonElement obj)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in property.Value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Array)
                    {
                        throw new WechatMessageFormatException(WechatMessageFormatError.Malformed, $"\"{property.Name}\" holds an array of arrays.");
                    }

                    Add(parent, property.Name, item);
                }
            }
            else
            {
                Add(parent, property.Name, property.Value);
            }
        }
    }

    private static void Add(WechatXmlElement parent, string name, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        var element = new WechatXmlElement(name);
        if (value.ValueKind == JsonValueKind.Object)
        {
            AddProperties(element, value);
            // An empty object is an empty group, as <Group></Group> would be a leaf: keep it a group.
            element.Complete(null);
        }
        else
        {
            element.Complete(value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => value.GetRawText(),
            });
        }

        parent.AddChild(element);
    }
}
