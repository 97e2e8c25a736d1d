using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WechatKepu.Simulator;

/// <summary>
/// Images, drafts and publishing with WeChat's limits: media/uploadimg (JPG/PNG ≤ 1 MB, a URL for an article's
/// body), material/add_material type=image (≤ 10 MB, a permanent media_id and URL), draft/add (title ≤ 32,
/// author ≤ 16, digest ≤ 128, content &lt; 20 000 characters, a cover that is a permanent image) and
/// freepublish/submit (PUBLISHJOBFINISH follows). Mass sends check that an mpnews media_id is a draft and an
/// image media_id is material of the same account, and sendall/is_to_all spends the account's mass quota when
/// one is set (45028 once it is used up).
/// </summary>
public sealed partial class WechatSimulator
{
    private const int BodyImageLimit = 1024 * 1024;
    private const int MaterialImageLimit = 10 * 1024 * 1024;

    private readonly ConcurrentDictionary<(string AppId, string MediaId), string> _materials = new();
    private readonly ConcurrentDictionary<(string AppId, string MediaId), int> _drafts = new();
    private readonly ConcurrentDictionary<string, MassQuota> _massQuotas = new();

    /// <summary>How many mass sendalls an account may make per calendar month (Asia/Shanghai); none set = no limit.</summary>
    public void SetMassQuota(string appId, int perMonth) => _massQuotas[appId] = new MassQuota(perMonth);

    /// <summary>Puts a draft into the account's draft box as if draft/add had answered <paramref name="mediaId"/>.</summary>
    public void AddDraft(string appId, string mediaId, int articles = 1) => _drafts[(appId, mediaId)] = articles;

    /// <summary>Whether <paramref name="mediaId"/> is a draft of the account (draft/add answered it).</summary>
    public bool HasDraft(string appId, string mediaId) => _drafts.ContainsKey((appId, mediaId));

    private SimResult UploadImg(SimRequest r)
    {
        if (r.Upload is not { } upload)
        {
            return Error(41005, "media data missing");
        }

        if (ImageFormat(upload.Bytes) is not ("jpg" or "png"))
        {
            return Error(40005, "invalid file type");
        }

        if (upload.Bytes.Length > BodyImageLimit)
        {
            return Error(40009, "invalid image size");
        }

        return Data(new JsonObject { ["url"] = ImageUrl(ImageFormat(upload.Bytes)!) });
    }

    private SimResult AddMaterial(SimRequest r)
    {
        if (r.Query["type"].ToString() != "image")
        {
            return Error(40004, "invalid media type");
        }

        if (r.Upload is not { } upload)
        {
            return Error(41005, "media data missing");
        }

        if (ImageFormat(upload.Bytes) is not { } format)
        {
            return Error(40005, "invalid file type");
        }

        if (upload.Bytes.Length > MaterialImageLimit)
        {
            return Error(40009, "invalid image size");
        }

        var mediaId = MediaId();
        var url = ImageUrl(format) + "?wx_fmt=" + format;
        _materials[(r.Acct.AppId, mediaId)] = url;
        return Data(new JsonObject { ["media_id"] = mediaId, ["url"] = url });
    }

    private SimResult DraftAdd(SimRequest r)
    {
        var articles = Prop(r.Body, "articles");
        if (articles.ValueKind != JsonValueKind.Array || articles.GetArrayLength() is 0 or > 8)
        {
            return Error(47001, "data format error: articles");
        }

        foreach (var article in articles.EnumerateArray())
        {
            var title = Str(article, "title");
            if (string.IsNullOrEmpty(title) || title.Length > 32)
            {
                return Error(45003, "title size out of limit");
            }

            if (Str(article, "author") is { Length: > 16 })
            {
                return Error(45110, "author size out of limit");
            }

            if (Str(article, "digest") is { Length: > 128 })
            {
                return Error(45004, "description size out of limit");
            }

            if (Str(article, "content") is not { Length: > 0 and < 20_000 })
            {
                return Error(45002, "content size out of limit");
            }

            if (Str(article, "thumb_media_id") is not { } thumb || !_materials.ContainsKey((r.Acct.AppId, thumb)))
            {
                return Error(40007, "invalid media_id");
            }
        }

        var mediaId = MediaId();
        _drafts[(r.Acct.AppId, mediaId)] = articles.GetArrayLength();
        return Data(new JsonObject { ["media_id"] = mediaId });
    }

    private SimResult FreePublishSubmit(SimRequest r)
    {
        if (Str(r.Body, "media_id") is not { } mediaId || !_drafts.TryRemove((r.Acct.AppId, mediaId), out var count))
        {
            return Error(40007, "invalid media_id");
        }

        // A published draft leaves the draft box; the task finishes a moment later with PUBLISHJOBFINISH.
        var publishId = NextMsgId();
        var articleId = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('/', '_').Replace('+', '-');
        var urls = Enumerable.Range(1, count).Select(i => $"https://mp.weixin.qq.com/s/{articleId[..22]}{i}").ToArray();
        Receipts?.Publish(new PublishJobFinished(r.Acct.AppId, r.Now,
            publishId.ToString(System.Globalization.CultureInfo.InvariantCulture), 0, articleId, urls, []));
        return Ok(new JsonObject
        {
            ["publish_id"] = publishId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["msg_data_id"] = publishId,
        });
    }

    /// <summary>An mpnews media_id must be one of the account's drafts; image media_ids its permanent material.</summary>
    private SimResult? CheckMassMedia(Account account, JsonElement body)
    {
        var known = Str(body, "msgtype") switch
        {
            "mpnews" => Str(Prop(body, "mpnews"), "media_id") is { } id && _drafts.ContainsKey((account.AppId, id)),
            "image" => (Str(Prop(body, "image"), "media_id") is { } one ? [one] : Strings(Prop(Prop(body, "images"), "media_ids"))) is { Length: > 0 } ids
                && ids.All(i => _materials.ContainsKey((account.AppId, i))),
            _ => true,
        };
        return known ? null : Error(40007, "invalid media_id");
    }

    private bool TakeMassQuota(Account account, DateTimeOffset now)
    {
        if (!_massQuotas.TryGetValue(account.AppId, out var quota))
        {
            return true;
        }

        var local = now.ToOffset(TimeSpan.FromHours(8));
        var month = local.Year * 12 + local.Month;
        lock (quota)
        {
            if (quota.Month != month)
            {
                (quota.Month, quota.Used) = (month, 0);
            }

            if (quota.Used >= quota.PerMonth)
            {
                return false;
            }

            quota.Used++;
            return true;
        }
    }

    private static string? ImageFormat(byte[] bytes) => bytes switch
    {
        [0xFF, 0xD8, 0xFF, ..] => "jpg",
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, ..] => "png",
        [(byte)'G', (byte)'I', (byte)'F', (byte)'8', ..] => "gif",
        [(byte)'B', (byte)'M', ..] => "bmp",
        _ => null,
    };

    private static string MediaId() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)).Replace('/', '_').Replace('+', '-');

    private static string ImageUrl(string format) =>
        $"http://mmbiz.qpic.cn/sz_mmbiz_{format}/{Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)).Replace('/', '_').Replace('+', '-')}/0";

    private sealed class MassQuota(int perMonth)
    {
        public int PerMonth => perMonth;

        public int Month;

        public int Used;
    }
}
