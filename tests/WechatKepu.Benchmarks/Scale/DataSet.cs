using System.Diagnostics;
using System.Globalization;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using WechatKepu.Data.Embedded;
using WechatKepu.Data.Migrations;

namespace WechatKepu.Benchmarks.Scale;

/// <summary>
/// How much data a size holds. <see cref="Year"/> is a city account after one campaign season; the others
/// are fractions of it, so a figure against size shows how a cost grows with the data.
/// </summary>
public sealed record DataSize(string Name, double Fraction)
{
    public static readonly DataSize Small = new("small", 0.01);
    public static readonly DataSize TenX = new("10x", 0.1);
    public static readonly DataSize Year = new("year", 1);

    public static IReadOnlyList<DataSize> All { get; } = [Small, TenX, Year];

    public static DataSize Parse(string name) => All.FirstOrDefault(s => s.Name == name)
        ?? throw new ArgumentException($"unknown size '{name}' (small, 10x, year)");

    private long Of(long year) => Math.Max(1, (long)(year * Fraction));

    public long Followers => Of(1_000_000);
    public long Guardians => Of(200_000);
    /// <summary>Every guardian has a child, every second one a second child.</summary>
    public long Children => Guardians + Guardians / 2;
    public long Sessions => Of(2_000);
    public long SignupsPerSession => 250;
    public long Signups => Sessions * SignupsPerSession;
    /// <summary>Broadcasts to every follower make up the delivery rows beside the sessions' reminders.</summary>
    public long Broadcasts => 8;
    public long Deliveries => Broadcasts * Followers + 2 * Signups;
    public long Inbound => Of(5_000_000);
    public long AuditEntries => Of(200_000);
    public long TopicSubscriptions => Of(50_000);
}

/// <summary>
/// Generates a data set of a size into its own database of the benchmark cluster, set-based (one
/// <c>INSERT … SELECT generate_series</c> a table, secondary indexes dropped during the load and rebuilt
/// after, foreign-key triggers off while loading, ANALYZE at the end). The database is kept between runs:
/// a marker table records the generator's version and the size, and a run regenerates only when they
/// differ. The generated database is a template: each run works on a fresh copy (<see cref="CopyAsync"/>).
/// </summary>
public static class DataSet
{
    /// <summary>Bump when what is generated changes, so kept data sets are regenerated.</summary>
    public const int Version = 2;

    /// <summary>The official account the followers, broadcasts and callbacks belong to.</summary>
    public const string OaAppId = "wxoascale0000000001";

    /// <summary>The mini-program the parents logged in to.</summary>
    public const string MpAppId = "wxmpscale0000000001";

    /// <summary>A 28-character openid, like WeChat's, for the i-th follower or parent.</summary>
    public static string FollowerOpenId(long i) => "oFoL" + i.ToString("D24", CultureInfo.InvariantCulture);

    public static string ParentOpenId(long i) => "oPaR" + i.ToString("D24", CultureInfo.InvariantCulture);

    private const string MarkerSql = "SELECT EXISTS (SELECT 1 FROM bench_dataset WHERE version = @version AND size = @size)";

    /// <summary>
    /// Makes sure the template database of <paramref name="size"/> exists with this generator's version
    /// and returns its name and the seconds generation took (0 when it was reused).
    /// </summary>
    public static async Task<(string Database, double Seconds)> EnsureAsync(EmbeddedPostgres pg, DataSize size, TextWriter log)
    {
        var database = $"bench_scale_{size.Name}_template";
        await pg.EnsureDatabaseAsync(database);
        await using (var conn = new NpgsqlConnection(pg.ConnectionString(database)))
        {
            await conn.OpenAsync();
            var marked = await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('bench_dataset') IS NOT NULL")
                && await conn.ExecuteScalarAsync<bool>(MarkerSql, new { version = Version, size = size.Name });
            if (marked)
            {
                log.WriteLine($"data set {size.Name}: kept (generator version {Version})");
                return (database, 0);
            }
        }

        NpgsqlConnection.ClearAllPools();
        await pg.DropDatabaseAsync(database);
        await pg.EnsureDatabaseAsync(database);
        var clock = Stopwatch.StartNew();
        await using (var dataSource = NpgsqlDataSource.Create(pg.ConnectionString(database)))
        {
            await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
            await GenerateAsync(dataSource, size, log);
        }

        log.WriteLine($"data set {size.Name}: generated in {clock.Elapsed.TotalSeconds:F0} s");
        return (database, clock.Elapsed.TotalSeconds);
    }

    /// <summary>A fresh copy of the template for one run (file copy: no WAL, no re-indexing).</summary>
    public static async Task<string> CopyAsync(EmbeddedPostgres pg, DataSize size)
    {
        var copy = $"bench_scale_{size.Name}";
        NpgsqlConnection.ClearAllPools();
        await pg.DropDatabaseAsync(copy);
        await using var conn = new NpgsqlConnection(pg.ConnectionString("postgres"));
        await conn.OpenAsync();
        await conn.ExecuteAsync($"CREATE DATABASE {copy} TEMPLATE bench_scale_{size.Name}_template STRATEGY FILE_COPY", commandTimeout: 0);
        return copy;
    }

    private static readonly string[] LoadedTables =
    [
        "followers", "mp_users", "guardians", "guardian_consents", "children", "sessions", "signups", "signup_events",
        "delivery_campaigns", "deliveries", "wechat_inbound", "staff_audit_log", "topic_subscriptions", "reminder_topic_rounds",
    ];

    // Secondary indexes and unique constraints of the loaded tables (primary keys stay: their keys arrive in
    // order), to drop before the load and rebuild after: one sorted build instead of millions of inserts.
    private const string IndexesSql = """
        SELECT 'DROP INDEX ' || i.indexrelid::regclass AS drop, pg_get_indexdef(i.indexrelid) AS create
        FROM pg_index i
        WHERE i.indrelid = ANY (@tables::regclass[]) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        UNION ALL
        SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
               format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
        FROM pg_constraint c
        WHERE c.conrelid = ANY (@tables::regclass[]) AND c.contype = 'u'
        """;

    private static async Task GenerateAsync(NpgsqlDataSource dataSource, DataSize size, TextWriter log)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        var indexes = (await conn.QueryAsync<(string Drop, string Create)>(IndexesSql, new { tables = LoadedTables })).AsList();
        async Task Step(string name, string sql, object? args = null)
        {
            var clock = Stopwatch.StartNew();
            var rows = await conn.ExecuteAsync(sql, args, commandTimeout: 0);
            log.WriteLine($"  {name,-22} {rows,12:N0} rows  {clock.Elapsed.TotalSeconds,7:F1} s");
        }

        // Durable at the end (the CHECKPOINT below), not at every statement; FK triggers off while loading
        // (the generator writes consistent keys); memory for the index builds.
        await conn.ExecuteAsync("SET synchronous_commit = off; SET session_replication_role = replica; SET maintenance_work_mem = '512MB'; SET work_mem = '256MB'");
        foreach (var (drop, _) in indexes)
        {
            await conn.ExecuteAsync(drop);
        }

        var p = new
        {
            followers = size.Followers, guardians = size.Guardians, children = size.Children, sessions = size.Sessions,
            per = size.SignupsPerSession, inbound = size.Inbound, audit = size.AuditEntries, broadcasts = size.Broadcasts,
            topicSubs = size.TopicSubscriptions, oa = OaAppId, mp = MpAppId,
            // The data set's year ends now, so that retention, reminders and the dashboard see it as current.
            now = DateTime.UtcNow,
        };

        await Step("followers", """
            INSERT INTO followers (app_id, openid, unionid, subscribed, subscribed_at, unsubscribed_at, first_subscribed_at,
                                   subscribe_scene, qr_scene, language, tag_ids, profile_fetched_at, last_message_at, created_at, updated_at, remark)
            SELECT @oa, 'oFoL' || lpad(i::text, 24, '0'),
                   CASE WHEN i <= @guardians THEN 'uNiOn' || lpad(i::text, 23, '0') END,
                   i % 10 <> 0, t, CASE WHEN i % 10 = 0 THEN t + interval '30 days' END, t,
                   (ARRAY['ADD_SCENE_QR_CODE', 'ADD_SCENE_SEARCH', 'ADD_SCENE_ACCOUNT_MIGRATION', 'ADD_SCENE_PROFILE_CARD'])[1 + i % 4],
                   CASE WHEN i % 4 = 0 THEN 'poster-' || (i % 50) END, 'zh_CN',
                   CASE WHEN i % 3 = 0 THEN ARRAY[100 + (i % 5)::int] ELSE '{}' END, t, t + interval '2 days', t, t,
                   -- Staff name a few followers (one in a thousand): teachers, volunteers, parents they know.
                   CASE WHEN i % 1000 = 7 THEN (ARRAY['王老师', '李老师（东环路小学）', '柳州科技馆志愿者', '张家长'])[1 + (i / 1000) % 4] END
            FROM generate_series(1, @followers) i, LATERAL (SELECT @now - (i * (365 * 86400.0 / @followers)) * interval '1 second') x(t)
            """, p);

        await Step("mp_users", """
            INSERT INTO mp_users (openid, unionid, created_at, last_login_at)
            SELECT 'oPaR' || lpad(i::text, 24, '0'), 'uNiOn' || lpad(i::text, 23, '0'), t, t + interval '10 days'
            FROM generate_series(1, @guardians) i, LATERAL (SELECT @now - interval '365 days' + (i * (300 * 86400.0 / @guardians)) * interval '1 second') x(t)
            """, p);
        await Step("guardians", """
            INSERT INTO guardians (user_id, name, phone, created_at, updated_at)
            SELECT id, '家长' || id, '138' || lpad((id % 100000000)::text, 8, '0'), created_at, created_at FROM mp_users
            """);
        await Step("guardian_consents", """
            INSERT INTO guardian_consents (user_id, privacy_notice_version, consented_at)
            SELECT id, '2024-09', created_at FROM mp_users
            """);
        // Child c belongs to guardian ((c - 1) % guardians) + 1: ids 1..G are first children, G+1.. second ones.
        await Step("children", """
            INSERT INTO children (user_id, name, grade, school, gender, created_at, updated_at)
            SELECT ((c - 1) % @guardians) + 1, '孩子' || c, (c % 9 + 1)::smallint,
                   (ARRAY['柳州市东环路小学', '柳州市景行小学', '柳州市第十二中学', '柳州市文惠小学'])[1 + c % 4],
                   CASE WHEN c % 2 = 0 THEN 'male' ELSE 'female' END, u.created_at, u.created_at
            FROM generate_series(1, @children) c JOIN mp_users u ON u.id = ((c - 1) % @guardians) + 1
            ORDER BY c
            """, p);

        // Activities: one for every 20 sessions, in the plan's categories and the units the console filters by.
        await Step("activities", """
            INSERT INTO activities (code, category, sort_order, title, time_text, starts_on, ends_on, venue, districts,
                                    host_units, organiser_units, description, audience, accepts_signups)
            SELECT 'S.' || a, (ARRAY['主场活动', '重点活动', '各单位特色活动', '系列联合行动'])[1 + a % 4], a,
                   '科普活动' || a, '全年', (@now - interval '365 days')::date, (@now + interval '65 days')::date,
                   '柳州科技馆', ARRAY['城中区'], ARRAY['柳州市科协'], ARRAY[(ARRAY['柳州科技馆', '柳州市青少年宫', '柳州市图书馆'])[1 + a % 3]],
                   '生成的活动', '中小学生', true
            FROM generate_series(1, greatest(5, @sessions / 20)) a
            """, p);
        // Sessions across the year: most are over, the last tenth still ahead (open for sign-up).
        await Step("sessions", """
            INSERT INTO sessions (activity_id, code, title, starts_at, ends_at, venue, capacity, waitlist_capacity,
                                  signup_opens_at, signup_closes_at, cancel_deadline, status, created_at, updated_at)
            SELECT a.id, 'gen-' || s, '场次' || s, t, t + interval '2 hours', '柳州科技馆', 250, 50,
                   t - interval '14 days', t - interval '1 hour', t - interval '1 day', 'open', t - interval '20 days', t - interval '20 days'
            FROM generate_series(1, @sessions) s
            JOIN LATERAL (SELECT id FROM activities WHERE code = 'S.' || (1 + (s - 1) % greatest(5, @sessions / 20))) a ON true,
                 LATERAL (SELECT @now - interval '330 days' + (s * (365 * 86400.0 / @sessions)) * interval '1 second') x(t)
            """, p);

        // 250 sign-ups a session, each a different child (stride coprime with the children's count): past
        // sessions 10 % checked in, 15 % cancelled, the rest confirmed; sessions ahead 5 % waitlisted.
        await Step("signups", """
            INSERT INTO signups (session_id, user_id, child_id, party_id, status, waitlist_seq, created_at, cancelled_at, checked_in_at)
            SELECT se.id, ch.user_id, ch.id, gen_random_uuid(), st,
                   CASE WHEN st = 'waitlisted' THEN se.id * 1000 + j END,
                   se.signup_opens_at + j * interval '1 minute',
                   CASE WHEN st = 'cancelled' THEN se.signup_opens_at + interval '3 days' END,
                   CASE WHEN st = 'checked_in' THEN se.starts_at END
            FROM sessions se
            CROSS JOIN generate_series(1, @per) j
            JOIN children ch ON ch.id = 1 + ((se.id * 7919 + j * 104729) % @children)
            CROSS JOIN LATERAL (SELECT CASE
                WHEN se.starts_at < @now AND j % 10 = 0 THEN 'checked_in'
                WHEN j % 7 = 0 THEN 'cancelled'
                WHEN se.starts_at >= @now AND j > @per - 12 THEN 'waitlisted'
                ELSE 'confirmed' END) x(st)
            WHERE se.code LIKE 'gen-%'
            ORDER BY se.id, j
            """, p);
        await conn.ExecuteAsync("SELECT setval('signup_waitlist_seq', (SELECT coalesce(max(waitlist_seq), 1) FROM signups))");
        await Step("session counters", """
            UPDATE sessions se SET confirmed_count = c.confirmed, waitlist_count = c.waitlisted
            FROM (SELECT session_id, count(*) FILTER (WHERE status IN ('confirmed', 'checked_in')) AS confirmed,
                         count(*) FILTER (WHERE status = 'waitlisted') AS waitlisted
                  FROM signups GROUP BY session_id) c
            WHERE c.session_id = se.id
            """);
        await Step("signup_events", """
            INSERT INTO signup_events (signup_id, session_id, kind, created_at, notified_at)
            SELECT id, session_id, CASE WHEN status = 'waitlisted' THEN 'waitlisted' ELSE 'confirmed' END, created_at, created_at
            FROM signups ORDER BY id
            """);

        // Two reminders a session to its parents (mini-program subscribe messages), and broadcasts of
        // template messages to every follower: the delivery rows of a year, sent and receipted.
        await Step("campaigns", """
            INSERT INTO delivery_campaigns (kind, source, title, status, send_after, mp_template_id, mp_data, oa_app_id, oa_template_id, oa_data,
                                            session_id, ref_starts_at, total, created_at, completed_at)
            SELECT 'session_reminder', 'session-reminder:' || se.id || ':' || m || ':' || floor(extract(epoch FROM se.starts_at))::bigint, '活动提醒：' || se.title, 'completed',
                   se.starts_at - m * interval '1 minute', 'tmpl-mp-reminder', '{}'::jsonb, NULL, NULL, NULL::jsonb, se.id, se.starts_at, @per,
                   se.starts_at - m * interval '1 minute', se.starts_at - m * interval '1 minute' + interval '2 minutes'
            FROM sessions se CROSS JOIN (VALUES (1440), (120)) r(m) WHERE se.code LIKE 'gen-%' AND se.starts_at < @now
            UNION ALL
            SELECT 'broadcast', 'gen:broadcast:' || b, '群发' || b, 'completed', t, NULL, NULL, @oa, 'tmpl-oa-broadcast', '{}'::jsonb, NULL, NULL, @followers,
                   t, t + interval '4 minutes'
            FROM generate_series(1, @broadcasts) b, LATERAL (SELECT @now - interval '365 days' + b * interval '40 days') x(t)
            """, p);
        await Step("deliveries (parents)", """
            INSERT INTO deliveries (campaign_id, recipient, channel, app_id, openid, mp_user_id, grant_spent, status, attempts,
                                    next_attempt_at, claimed_at, sent_at, errcode, msg_id, receipt_status, receipt_at)
            SELECT DISTINCT ON (c.id, s.user_id) c.id, 'u:' || s.user_id, 'mp_subscribe', @mp, u.openid, s.user_id, true,
                   CASE WHEN s.id % 50 = 0 THEN 'failed' ELSE 'sent' END, 1, c.send_after, c.send_after, c.send_after,
                   CASE WHEN s.id % 50 = 0 THEN 43101 ELSE 0 END, NULL, NULL, NULL
            FROM delivery_campaigns c
            JOIN signups s ON s.session_id = c.session_id AND s.status IN ('confirmed', 'checked_in')
            JOIN mp_users u ON u.id = s.user_id
            WHERE c.kind = 'session_reminder'
            ORDER BY c.id, s.user_id
            """, p);
        await Step("deliveries (followers)", """
            INSERT INTO deliveries (campaign_id, recipient, channel, app_id, openid, status, attempts,
                                    next_attempt_at, claimed_at, sent_at, errcode, msg_id, receipt_status, receipt_at)
            SELECT c.id, 'f:' || f, 'oa_template', @oa, 'oFoL' || lpad(f::text, 24, '0'),
                   CASE WHEN f % 10 = 0 THEN 'failed' ELSE 'sent' END, 1, c.send_after, c.send_after, c.send_after,
                   CASE WHEN f % 10 = 0 THEN 43004 ELSE 0 END,
                   CASE WHEN f % 10 <> 0 THEN (3000000000000000000 + c.id * 10000000 + f)::text END,
                   CASE WHEN f % 10 <> 0 THEN 'success' END, CASE WHEN f % 10 <> 0 THEN c.send_after + interval '5 seconds' END
            FROM delivery_campaigns c CROSS JOIN generate_series(1, @followers) f
            WHERE c.kind = 'broadcast'
            ORDER BY c.id, f
            """, p);

        // Inbound callbacks over the year, as the callback stores them (text messages with their reply, and
        // template receipts), under 19-digit MsgIds.
        await Step("wechat_inbound", """
            INSERT INTO wechat_inbound (app_id, dedup_key, openid, msg_type, event, body, reply, outcome, received_at, handled_at)
            SELECT @oa, CASE WHEN ev THEN 'ev:' ELSE 'm:' END || (5000000000000000000 + i)::text, o, CASE WHEN ev THEN 'event' ELSE 'text' END,
                   CASE WHEN ev THEN 'TEMPLATESENDJOBFINISH' END,
                   '<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[' || o || ']]></FromUserName><CreateTime>'
                     || extract(epoch FROM t)::bigint || '</CreateTime>'
                     || CASE WHEN ev THEN '<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>'
                             || (3000000000000000000 + i) || '</MsgID><Status><![CDATA[success]]></Status></xml>'
                        ELSE '<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[活动]]></Content><MsgId>'
                             || (5000000000000000000 + i) || '</MsgId></xml>' END,
                   CASE WHEN ev THEN 'success' ELSE '<xml><Content><![CDATA[本周活动请点菜单]]></Content></xml>' END,
                   CASE WHEN ev THEN '' ELSE '<xml><Content><![CDATA[本周活动请点菜单]]></Content></xml>' END, t, t
            FROM generate_series(1, @inbound) i,
                 LATERAL (SELECT @now - interval '365 days' + (i * (365 * 86400.0 / @inbound)) * interval '1 second',
                                 'oFoL' || lpad((1 + i % @followers)::text, 24, '0'), i % 3 = 0) x(t, o, ev)
            """, p);

        await Step("staff_audit_log", """
            INSERT INTO staff_audit_log (at, staff_id, staff_name, action, target, detail)
            SELECT @now - interval '365 days' + (i * (365 * 86400.0 / @audit)) * interval '1 second', 1 + i % 20, '员工' || (1 + i % 20),
                   (ARRAY['session.create', 'signup.checkin', 'export.session', 'broadcast.send', 'session.update', 'staff.login'])[1 + i % 6],
                   'session:' || (1 + i % @sessions), '{}'
            FROM generate_series(1, @audit) i
            """, p);

        await Step("topics", """
            INSERT INTO reminder_topics (app_id, name, description, template_id)
            SELECT @oa, '专题' || t, '每周一次', 'tmpl-oa-topic' FROM generate_series(1, 5) t
            """, p);
        await Step("topic rounds", """
            INSERT INTO reminder_topic_rounds (topic_id, title, starts_at)
            SELECT t.id, '第' || w || '期', @now - interval '330 days' + w * interval '7 days'
            FROM reminder_topics t CROSS JOIN generate_series(1, 52) w
            """, p);
        await Step("topic_subscriptions", """
            INSERT INTO topic_subscriptions (topic_id, follower_id, subscribed_at)
            SELECT t.id, f, @now - interval '200 days'
            FROM reminder_topics t CROSS JOIN generate_series(1, @topicSubs / 5) f
            """, p);

        foreach (var (_, create) in indexes)
        {
            var clock = Stopwatch.StartNew();
            await conn.ExecuteAsync(create, commandTimeout: 0);
            log.WriteLine($"  {create[..Math.Min(create.Length, 90)]}  {clock.Elapsed.TotalSeconds:F1} s");
        }

        await conn.ExecuteAsync("SET session_replication_role = origin");

        // Counters the writers' triggers keep (they were off while loading): rebuilt from the rows.
        foreach (var rebuild in new[] { "follower_counts_rebuild", "signup_day_counts_rebuild" })
        {
            if (await conn.ExecuteScalarAsync<bool>($"SELECT to_regprocedure('{rebuild}()') IS NOT NULL"))
            {
                await Step(rebuild, $"SELECT {rebuild}()");
            }
        }

        await Step("analyze", "VACUUM (ANALYZE)");
        await conn.ExecuteAsync($"""
            CREATE TABLE bench_dataset (version integer NOT NULL, size text NOT NULL, generated_at timestamptz NOT NULL);
            INSERT INTO bench_dataset VALUES ({Version}, '{size.Name}', now());
            CHECKPOINT
            """, commandTimeout: 0);
    }
}
