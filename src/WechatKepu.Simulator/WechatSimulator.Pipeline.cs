using System.Collections.Frozen;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace WechatKepu.Simulator;

/// <summary>The HTTP side: one terminal handler, a frozen route table, faults, token check, rate limit, record.</summary>
public sealed partial class WechatSimulator
{
    private const string StableTokenPath = "/cgi-bin/stable_token";

    private FrozenDictionary<string, Route>? _routes;

    /// <summary>Answers one WeChat API request. Unknown paths get 404.</summary>
    public async Task HandleAsync(HttpContext http)
    {
        var routes = _routes ??= BuildRoutes().ToFrozenDictionary(r => r.Path, StringComparer.Ordinal);
        var path = http.Request.Path.Value ?? "";
        if (!routes.TryGetValue(path, out var route))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        // An upload (media/uploadimg, material/add_material) is multipart/form-data with the file in "media".
        var upload = route.Multipart ? await ReadUploadAsync(http.Request) : null;
        var bodyBytes = route.Multipart ? [] : await ReadBodyAsync(http.Request);
        await Faults.HoldAndDelayAsync(path, http.RequestAborted);
        var now = Time.GetUtcNow();
        var query = http.Request.Query;
        var bodyText = Options.RecordBodies && bodyBytes.Length > 0 && path != StableTokenPath ? Encoding.UTF8.GetString(bodyBytes) : null;
        if (upload is not null && Options.RecordBodies)
        {
            bodyText = new JsonObject
            {
                ["media"] = new JsonObject { ["filename"] = upload.FileName, ["content_type"] = upload.ContentType, ["length"] = upload.Bytes.Length },
            }.ToJsonString();
        }

        JsonDocument? document = null;
        var malformed = false;
        try
        {
            try
            {
                document = bodyBytes.Length > 0 ? JsonDocument.Parse(bodyBytes) : null;
            }
            catch (JsonException)
            {
                malformed = true;
            }

            var body = document?.RootElement ?? default;
            var fault = Faults.Next(path, Str(body, "touser") ?? (string?)query["openid"]);
            var dropAfter = fault is { AfterHandling: true };
            if (fault is { AfterHandling: false })
            {
                // Who the failed call was for, without judging its token: tests look faults up by app and user.
                var caller = _tokens.TryGetValue(query["access_token"].ToString(), out var issued) ? _accounts.GetValueOrDefault(issued.AppId) : null;
                if (fault.Value.Drop)
                {
                    Record(new SimulatorCall(0, now, path, caller?.AppId, Str(body, "touser"), bodyText, -1, Dropped: true));
                    http.Abort();
                    return;
                }

                await WriteAsync(http, path, now, caller, bodyText, Error(fault.Value.Errcode, "system error"), body);
                return;
            }

            Account? account = null;
            SimResult result;
            if (!HttpMethods.Equals(http.Request.Method, route.Method))
            {
                result = route.Method == HttpMethods.Get ? Error(43001, "require GET method") : Error(43002, "require POST method");
            }
            else if (malformed)
            {
                result = Error(47001, "data format error");
            }
            else if (route.Method == HttpMethods.Post && !route.Multipart && body.ValueKind != JsonValueKind.Object)
            {
                result = Error(44002, "empty post data");
            }
            else if (route.NeedsToken && CheckToken(query["access_token"], now, out account) is { } tokenError)
            {
                result = tokenError;
            }
            else if (account is not null && !Limits.TryAcquire(path, account.AppId))
            {
                result = Error(45009, "reach max api daily quota limit");
            }
            else
            {
                result = route.Handler(new SimRequest(account, body, query, now, upload));
            }

            if (path == StableTokenPath && Options.RecordBodies)
            {
                // Never keep the secret, even in a simulator's memory dump.
                bodyText = new JsonObject
                {
                    ["appid"] = Str(body, "appid"),
                    ["force_refresh"] = Bool(body, "force_refresh"),
                }.ToJsonString();
            }

            if (dropAfter)
            {
                // Carried out, then the answer is lost on the way back.
                Record(new SimulatorCall(0, now, path, account?.AppId ?? result.AppId, result.OpenId ?? Str(body, "touser"), bodyText,
                    result.Errcode, result.MsgId, Dropped: true));
                http.Abort();
                return;
            }

            await WriteAsync(http, path, now, account, bodyText, result, body);
        }
        finally
        {
            document?.Dispose();
        }
    }

    private SimResult? CheckToken(string? token, DateTimeOffset now, out Account? account)
    {
        account = null;
        if (string.IsNullOrEmpty(token))
        {
            return Error(41001, "access_token missing");
        }

        if (!_tokens.TryGetValue(token, out var issued) || issued.Rejected)
        {
            return Error(40001, "invalid credential, access_token is invalid or not latest");
        }

        if (issued.ExpiresAt <= now)
        {
            return Error(42001, "access_token expired");
        }

        account = _accounts[issued.AppId];
        return null;
    }

    private async Task WriteAsync(
        HttpContext http, string path, DateTimeOffset now, Account? account, string? bodyText, SimResult result, JsonElement body)
    {
        var openId = result.OpenId ?? Str(body, "touser") ?? Str(body, "openid") ?? (string?)http.Request.Query["openid"];
        Record(new SimulatorCall(0, now, path, account?.AppId ?? result.AppId, openId, bodyText, result.Errcode, result.MsgId));
        if (result.HttpStatus is { } status)
        {
            http.Response.StatusCode = status;
            return;
        }

        if (result.Binary is { } binary)
        {
            http.Response.ContentType = result.ContentType;
            http.Response.ContentLength = binary.Length;
            await http.Response.Body.WriteAsync(binary, http.RequestAborted);
            return;
        }

        var buffer = new MemoryStream(128);
        await using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (!(result.Bare && result.Errcode == 0))
            {
                writer.WriteNumber("errcode", result.Errcode);
                writer.WriteString("errmsg", result.Errmsg);
            }

            foreach (var (name, value) in result.Payload ?? [])
            {
                writer.WritePropertyName(name);
                if (value is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    value.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        // WeChat labels its JSON this way.
        http.Response.ContentType = "application/json; encoding=utf-8";
        http.Response.ContentLength = buffer.Length;
        await http.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), http.RequestAborted);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength == 0)
        {
            return [];
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        return buffer.ToArray();
    }

    private static SimResult Ok(JsonObject? payload = null, long? msgId = null, string? openId = null, string? appId = null) =>
        new(0, "ok", payload, MsgId: msgId, OpenId: openId, AppId: appId);

    /// <summary>A success the way the APIs that return data answer it: the data alone, without errcode and errmsg.</summary>
    private static SimResult Data(JsonObject payload, string? openId = null, string? appId = null) =>
        new(0, "ok", payload, OpenId: openId, AppId: appId, Bare: true);

    private static SimResult Error(int errcode, string errmsg, JsonObject? payload = null, long? msgId = null, string? appId = null) =>
        new(errcode, errmsg, payload, MsgId: msgId, AppId: appId);

    private static string? Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : null;

    private static long? Long(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
            ? v.GetInt64()
            : null;

    private static bool Bool(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v)
        && (v.ValueKind == JsonValueKind.True || (v.ValueKind == JsonValueKind.Number && v.GetInt32() != 0));

    private static JsonElement Prop(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) ? v : default;

    private static string[] Strings(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array
            ? element.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToArray()
            : [];

    private sealed record Route(string Method, string Path, bool NeedsToken, Func<SimRequest, SimResult> Handler, bool Multipart = false);

    /// <summary>The file of a multipart upload (field <c>media</c>).</summary>
    private sealed record Upload(string FileName, string ContentType, byte[] Bytes);

    private static async Task<Upload?> ReadUploadAsync(HttpRequest request)
    {
        if (!request.HasFormContentType)
        {
            return null;
        }

        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        if (form.Files.GetFile("media") is not { } file)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        return new Upload(file.FileName, file.ContentType, buffer.ToArray());
    }

    private readonly record struct SimRequest(Account? Account, JsonElement Body, IQueryCollection Query, DateTimeOffset Now, Upload? Upload = null)
    {
        /// <summary>The account the token belongs to (routes that need a token only).</summary>
        public Account Acct => Account!;
    }

    private readonly record struct SimResult(
        int Errcode, string Errmsg, JsonObject? Payload = null, byte[]? Binary = null, string? ContentType = null,
        long? MsgId = null, string? OpenId = null, string? AppId = null, bool Bare = false, int? HttpStatus = null);
}
