using System.Runtime.CompilerServices;
using Dapper;
using Npgsql;
using WechatKepu.Data.Catalogue;
using WechatKepu.Data.Parents;
using WechatKepu.Data.Staff;

namespace WechatKepu.Data.Console;

/// <summary>
/// What the staff console reads and changes. Every change of a session's places takes the session's
/// row lock first, like the sign-up transaction, and writes its audit entry in the same transaction.
/// </summary>
public sealed class ConsoleStore(NpgsqlDataSource dataSource, AuditLog audit)
{
    /// <summary>The SQL condition "the activity a is one of @unit's", true for everyone when @unit is null.</summary>
    public const string UnitScope = "(@unit::text IS NULL OR @unit = ANY (a.host_units || a.organiser_units || a.co_organiser_units))";

    private const string ActivityUnitsSql = $"SELECT {UnitScope} FROM activities a WHERE a.id = @activityId";

    /// <summary>Whether the activity exists (null if not) and belongs to <paramref name="unit"/> (any unit when null).</summary>
    public async Task<bool?> ActivityInScopeAsync(long activityId, string? unit, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<bool?>(new CommandDefinition(ActivityUnitsSql, new { activityId, unit }, cancellationToken: cancellationToken));
    }

    private const string SessionActivitySql = "SELECT activity_id FROM sessions WHERE id = @sessionId";

    public async Task<long?> SessionActivityAsync(long sessionId, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(SessionActivitySql, new { sessionId }, cancellationToken: cancellationToken));
    }

    private const string TopicActivitySql = "SELECT activity_id FROM reminder_topics WHERE id = @id";

    /// <summary>Null for an unknown reminder topic; else the activity it belongs to.</summary>
    public Task<LinkedActivity?> TopicActivityAsync(long topicId, CancellationToken cancellationToken) =>
        LinkedAsync(TopicActivitySql, topicId, cancellationToken);

    // A session's campaigns are its activity's; a round's, its topic's; a broadcast's, its audience's.
    private const string CampaignActivitySql = """
        SELECT coalesce(se.activity_id, t.activity_id, bse.activity_id, bt.activity_id) AS activity_id
        FROM delivery_campaigns c
        LEFT JOIN sessions se ON se.id = c.session_id
        LEFT JOIN reminder_topic_rounds r ON r.id = c.topic_round_id
        LEFT JOIN reminder_topics t ON t.id = r.topic_id
        LEFT JOIN broadcasts b ON b.campaign_id = c.id
        LEFT JOIN sessions bse ON b.audience = 'session' AND bse.id = b.audience_ref
        LEFT JOIN reminder_topics bt ON b.audience = 'topic' AND bt.id = b.audience_ref
        WHERE c.id = @id
        """;

    /// <summary>Null for an unknown delivery campaign; else the activity it belongs to.</summary>
    public Task<LinkedActivity?> CampaignActivityAsync(long campaignId, CancellationToken cancellationToken) =>
        LinkedAsync(CampaignActivitySql, campaignId, cancellationToken);

    private async Task<LinkedActivity?> LinkedAsync(string sql, long id, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<LinkedActivity>(new CommandDefinition(sql, new { id }, cancellationToken: cancellationToken));
    }

    private const string InsertSessionSql = """
        INSERT INTO sessions (activity_id, title, starts_at, ends_at, venue, capacity, waitlist_capacity, signup_opens_at,
                              signup_closes_at, cancel_deadline, min_grade, max_grade, min_age, max_age, status, created_at, updated_at)
        VALUES (@activityId, @Title, @starts, @ends, @Venue, @Capacity, @WaitlistCapacity, @opens, @closes, @cancel,
                @MinGrade, @MaxGrade, @MinAge, @MaxAge, @Status, @now, @now)
        RETURNING id
        """;

    public async Task<long> CreateSessionAsync(long activityId, SessionEdit edit, StaffActor actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var id = await conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertSessionSql, Args(edit, new { activityId, now = now.UtcDateTime }), tx, cancellationToken: cancellationToken));
        await audit.WriteAsync(actor.Id, actor.Name, "session.create", $"session:{id}", new { activityId, edit.Title }, now, cancellationToken, conn, tx);
        await tx.CommitAsync(cancellationToken);
        return id;
    }

    private const string LockSessionSql = "SELECT status, confirmed_count, waitlist_count FROM sessions WHERE id = @sessionId FOR UPDATE";

    /// <summary>Takes the session's row lock; a missing or already cancelled session is refused.</summary>
    private static async Task<((string Status, int ConfirmedCount, int WaitlistCount) State, SessionChange? Refusal)> LockLiveSessionAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, long sessionId, CancellationToken cancellationToken)
    {
        var cur = await conn.QuerySingleOrDefaultAsync<(string Status, int ConfirmedCount, int WaitlistCount)?>(
            new CommandDefinition(LockSessionSql, new { sessionId }, tx, cancellationToken: cancellationToken));
        return cur switch
        {
            null => (default, new SessionChange(SessionChangeOutcome.NotFound, [])),
            { Status: "cancelled" } => (default, new SessionChange(SessionChangeOutcome.Cancelled, [])),
            { } c => (c, null),
        };
    }

    private const string UpdateSessionSql = """
        UPDATE sessions SET title = @Title, starts_at = @starts, ends_at = @ends, venue = @Venue, capacity = @Capacity,
               waitlist_capacity = @WaitlistCapacity, signup_opens_at = @opens, signup_closes_at = @closes, cancel_deadline = @cancel,
               min_grade = @MinGrade, max_grade = @MaxGrade, min_age = @MinAge, max_age = @MaxAge, status = @Status, updated_at = @now
        WHERE id = @sessionId
        """;

    private const string WhereSql = "SELECT starts_at, venue FROM sessions WHERE id = @sessionId";

    // Everyone holding or waiting for a place hears of a new time or venue (the reminder engine notifies).
    private const string ChangedEventsSql = """
        INSERT INTO signup_events (signup_id, session_id, kind, detail, created_at)
        SELECT id, session_id, 'session_changed', @detail, @now FROM signups
        WHERE session_id = @sessionId AND status IN ('confirmed', 'waitlisted')
        """;

    /// <summary>
    /// Edits, moves or resizes a session under its row lock. Capacity may not fall below the confirmed
    /// places; places it adds go at once to the waiting list, in its order. A new start or venue gives each
    /// live sign-up a 'session_changed' event whose detail says what changed, for the parents' notice.
    /// </summary>
    public async Task<SessionChange> UpdateSessionAsync(long sessionId, SessionEdit edit, StaffActor actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var (c, refusal) = await LockLiveSessionAsync(conn, tx, sessionId, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (edit.Capacity < c.ConfirmedCount)
        {
            return new SessionChange(SessionChangeOutcome.CapacityBelowConfirmed, [], c.ConfirmedCount);
        }

        var before = await conn.QuerySingleAsync<(DateTime StartsAt, string Venue)>(new CommandDefinition(WhereSql, new { sessionId }, tx, cancellationToken: cancellationToken));
        await conn.ExecuteAsync(new CommandDefinition(UpdateSessionSql, Args(edit, new { sessionId, now = now.UtcDateTime }), tx, cancellationToken: cancellationToken));
        if (ChangeDetail(new DateTimeOffset(DateTime.SpecifyKind(before.StartsAt, DateTimeKind.Utc)), before.Venue, edit) is { } detail)
        {
            await conn.ExecuteAsync(new CommandDefinition(ChangedEventsSql, new { sessionId, detail, now = now.UtcDateTime }, tx, cancellationToken: cancellationToken));
        }

        var promoted = await SignupStore.PromoteLockedAsync(conn, tx, sessionId, now, cancellationToken);
        var waiting = await conn.ExecuteScalarAsync<int>(new CommandDefinition("SELECT waitlist_count FROM sessions WHERE id = @sessionId", new { sessionId }, tx, cancellationToken: cancellationToken));
        if (edit.WaitlistCapacity < waiting)
        {
            await tx.RollbackAsync(cancellationToken);
            return new SessionChange(SessionChangeOutcome.WaitlistBelowWaiting, [], waiting);
        }

        await audit.WriteAsync(actor.Id, actor.Name, "session.update", $"session:{sessionId}", new { edit, promoted }, now, cancellationToken, conn, tx);
        await tx.CommitAsync(cancellationToken);
        return new SessionChange(SessionChangeOutcome.Done, promoted);
    }

    private const string CancelSessionSql = """
        WITH gone AS (
            UPDATE signups SET status = 'cancelled', cancelled_at = @now, waitlist_seq = NULL
            WHERE session_id = @sessionId AND status IN ('confirmed', 'waitlisted')
            RETURNING id, session_id
        ), ev AS (
            INSERT INTO signup_events (signup_id, session_id, kind, detail, created_at)
            SELECT id, session_id, 'session_cancelled', nullif(@reason, ''), @now FROM gone
        ), s AS (
            UPDATE sessions SET status = 'cancelled', updated_at = @now,
                   confirmed_count = (SELECT count(*) FROM signups WHERE session_id = @sessionId AND status = 'checked_in'),
                   waitlist_count = 0
            WHERE id = @sessionId
        )
        SELECT count(*) FROM gone
        """;

    /// <summary>
    /// Cancels a session: its places and waiting list are released and each sign-up gets a
    /// 'session_cancelled' event, which the reminder engine turns into a notice to the parent.
    /// Cancelling twice changes nothing the second time.
    /// </summary>
    public async Task<SessionChange> CancelSessionAsync(long sessionId, string reason, StaffActor actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var (c, refusal) = await LockLiveSessionAsync(conn, tx, sessionId, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var affected = await conn.ExecuteScalarAsync<int>(new CommandDefinition(CancelSessionSql, new { sessionId, reason, now = now.UtcDateTime }, tx, cancellationToken: cancellationToken));
        await audit.WriteAsync(actor.Id, actor.Name, "session.cancel", $"session:{sessionId}", new { reason, affected }, now, cancellationToken, conn, tx);
        await tx.CommitAsync(cancellationToken);
        return new SessionChange(SessionChangeOutcome.Done, [], affected);
    }

    /// <summary>What a parent's change notice says beside the new time and place (at most 20 characters); null when neither moved.</summary>
    public static string? ChangeDetail(DateTimeOffset startsBefore, string venueBefore, SessionEdit edit)
    {
        var moved = startsBefore != edit.StartsAt;
        var relocated = !string.Equals(venueBefore, edit.Venue, StringComparison.Ordinal);
        return (moved, relocated) switch
        {
            (true, true) => "时间和地点均已变更，请留意",
            (true, false) => "已改期，原定" + Shanghai.ToShanghai(startsBefore).ToString("M月d日 HH:mm", System.Globalization.CultureInfo.InvariantCulture),
            (false, true) => "活动地点已变更，请留意",
            _ => null,
        };
    }

    /// <summary>The reason parents of a removed sample session read in their cancellation notice.</summary>
    public const string SampleRemovalReason = "该场次为系统示例，已停止";

    private const string LockSamplesSql = "SELECT id FROM sessions WHERE is_sample ORDER BY id FOR UPDATE";

    private const string DeleteUnusedSamplesSql = """
        DELETE FROM sessions s
        WHERE s.id = ANY (@ids)
          AND NOT EXISTS (SELECT 1 FROM signups x WHERE x.session_id = s.id)
          AND NOT EXISTS (SELECT 1 FROM delivery_campaigns c WHERE c.session_id = s.id)
        RETURNING s.id
        """;

    /// <summary>
    /// Removes every sample session the catalogue seeded, in one transaction: those nobody signed up to are deleted;
    /// the others are cancelled like any session (places released, parents notified), so no sign-up is lost silently.
    /// </summary>
    public async Task<SampleRemoval> RemoveSampleSessionsAsync(StaffActor actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var ids = (await conn.QueryAsync<long>(new CommandDefinition(LockSamplesSql, null, tx, cancellationToken: cancellationToken))).ToArray();
        var deleted = (await conn.QueryAsync<long>(new CommandDefinition(DeleteUnusedSamplesSql, new { ids }, tx, cancellationToken: cancellationToken))).ToHashSet();
        var cancelled = 0;
        var signups = 0;
        foreach (var sessionId in ids.Where(id => !deleted.Contains(id)))
        {
            if (await conn.ExecuteScalarAsync<string>(new CommandDefinition("SELECT status FROM sessions WHERE id = @sessionId", new { sessionId }, tx, cancellationToken: cancellationToken)) == "cancelled")
            {
                continue;
            }

            signups += await conn.ExecuteScalarAsync<int>(new CommandDefinition(CancelSessionSql, new { sessionId, reason = SampleRemovalReason, now = now.UtcDateTime }, tx, cancellationToken: cancellationToken));
            cancelled++;
        }

        var removal = new SampleRemoval(deleted.Count, cancelled, signups);
        await audit.WriteAsync(actor.Id, actor.Name, "session.remove_samples", null, removal, now, cancellationToken, conn, tx);
        await tx.CommitAsync(cancellationToken);
        return removal;
    }

    private static DynamicParameters Args(SessionEdit e, object extra)
    {
        var p = new DynamicParameters(e);
        p.AddDynamicParams(extra);
        p.Add("starts", e.StartsAt.UtcDateTime);
        p.Add("ends", e.EndsAt.UtcDateTime);
        p.Add("opens", e.SignupOpensAt.UtcDateTime);
        p.Add("closes", e.SignupClosesAt.UtcDateTime);
        p.Add("cancel", e.CancelDeadline.UtcDateTime);
        return p;
    }

    // One statement per filter, not "(@x IS NULL OR col = @x)": the generic plan of that form cannot use an index
    // and read every sign-up of every session (issue 21: 51 ms on the 10x data set, against 0.3 ms).
    private const string SignupsFromSql = $"""
        SELECT s.id, s.session_id, a.title AS activity_title, se.title AS session_title, se.starts_at, se.ends_at,
               c.name AS child_name, c.grade, c.birth_year_month, c.gender, c.school, g.name AS guardian_name, g.phone AS guardian_phone,
               s.party_id, s.status, s.created_at, s.promoted_at, s.cancelled_at, s.checked_in_at,
               {SignupStore.WaitlistPositionSql}
        FROM signups s
        JOIN sessions se ON se.id = s.session_id
        JOIN activities a ON a.id = se.activity_id
        LEFT JOIN children c ON c.id = s.child_id
        LEFT JOIN guardians g ON g.user_id = s.user_id
        """;

    private const string SignupsOrderSql = """

        ORDER BY se.starts_at, s.session_id,
                 CASE s.status WHEN 'checked_in' THEN 0 WHEN 'confirmed' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END,
                 s.waitlist_seq NULLS FIRST, s.created_at, s.id
        """;

    private const string SessionSignupsSql = SignupsFromSql + "\nWHERE s.session_id = @sessionId" + SignupsOrderSql;

    private const string ActivitySignupsSql = SignupsFromSql + "\nWHERE se.activity_id = @activityId" + SignupsOrderSql;

    private const string OneSignupSql = SignupsFromSql + "\nWHERE s.id = @signupId" + SignupsOrderSql;

    private const string SessionsSignupsSql = SignupsFromSql + "\nWHERE s.session_id = ANY (@sessionIds)" + SignupsOrderSql;

    /// <summary>Sign-ups of a session, or of every session of an activity: places first, then the waiting list in order.</summary>
    public async Task<IReadOnlyList<StaffSignupRow>> SignupsAsync(long? sessionId, long? activityId, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<StaffSignupRow>(new CommandDefinition(SignupsSql(sessionId, activityId), new { sessionId, activityId },
            cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>
    /// The same sign-ups in the same order as <see cref="SignupsAsync"/>, read one row at a time while the caller consumes
    /// them (an export of thousands of rows never holds them all); the connection is held until the enumeration ends.
    /// </summary>
    public async IAsyncEnumerable<StaffSignupRow> StreamSignupsAsync(long? sessionId, long? activityId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var sql = SignupsSql(sessionId, activityId);
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await foreach (var row in conn.QueryUnbufferedAsync<StaffSignupRow>(sql, new { sessionId, activityId }).WithCancellation(cancellationToken))
        {
            yield return row;
        }
    }

    private static string SignupsSql(long? sessionId, long? activityId) =>
        sessionId is not null ? SessionSignupsSql : activityId is not null ? ActivitySignupsSql : throw new ArgumentException("a session or an activity");

    /// <summary>Sign-ups of several sessions in one round trip, in the same order as <see cref="SignupsAsync"/>.</summary>
    public async Task<IReadOnlyList<StaffSignupRow>> SignupsOfSessionsAsync(IReadOnlyCollection<long> sessionIds, CancellationToken cancellationToken)
    {
        if (sessionIds.Count == 0)
        {
            return [];
        }

        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<StaffSignupRow>(new CommandDefinition(SessionsSignupsSql, new { sessionIds = sessionIds.ToArray() }, cancellationToken: cancellationToken))).ToList();
    }

    private const string EventsSql = """
        SELECT e.id, e.signup_id, c.name AS child_name, e.kind, e.created_at, e.notified_at
        FROM signup_events e JOIN signups s ON s.id = e.signup_id LEFT JOIN children c ON c.id = s.child_id
        WHERE e.session_id = @sessionId ORDER BY e.id
        """;

    /// <summary>The session's history: sign-ups, waiting, promotions, cancellations, check-ins.</summary>
    public async Task<IReadOnlyList<SignupEventRow>> EventsAsync(long sessionId, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<SignupEventRow>(new CommandDefinition(EventsSql, new { sessionId }, cancellationToken: cancellationToken))).ToList();
    }

    private const string CheckinSql = """
        WITH cur AS (
            SELECT s.id, s.status, s.session_id, se.status AS session_status FROM signups s JOIN sessions se ON se.id = s.session_id
            WHERE s.id = @signupId FOR UPDATE OF s
        ), upd AS (
            UPDATE signups s SET status = 'checked_in', checked_in_at = @now
            FROM cur WHERE s.id = cur.id AND cur.status = 'confirmed' AND cur.session_status <> 'cancelled'
            RETURNING s.id, s.session_id
        ), ev AS (
            INSERT INTO signup_events (signup_id, session_id, kind, created_at) SELECT id, session_id, 'checked_in', @now FROM upd
        )
        SELECT cur.status, cur.session_status, EXISTS (SELECT 1 FROM upd) AS done FROM cur
        """;

    /// <summary>
    /// Checks a confirmed child in. A checked-in sign-up keeps its place (confirmed_count counts it), so
    /// the counters do not move. A second scan changes nothing and the caller shows the first time.
    /// </summary>
    public async Task<CheckinResult> CheckInAsync(long signupId, StaffActor actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<(string Status, string SessionStatus, bool Done)?>(
            new CommandDefinition(CheckinSql, new { signupId, now = now.UtcDateTime }, tx, cancellationToken: cancellationToken));
        var outcome = row switch
        {
            null => CheckinOutcome.NotFound,
            { Done: true } => CheckinOutcome.CheckedIn,
            { Status: SignupStatus.CheckedIn } => CheckinOutcome.AlreadyCheckedIn,
            { SessionStatus: "cancelled" } => CheckinOutcome.SessionCancelled,
            _ => CheckinOutcome.NotConfirmed,
        };
        if (outcome == CheckinOutcome.CheckedIn)
        {
            await audit.WriteAsync(actor.Id, actor.Name, "signup.checkin", $"signup:{signupId}", null, now, cancellationToken, conn, tx);
        }

        await tx.CommitAsync(cancellationToken);
        if (outcome == CheckinOutcome.NotFound)
        {
            return new CheckinResult(outcome, null);
        }

        return new CheckinResult(outcome, await SignupAsync(signupId, cancellationToken));
    }

    /// <summary>One sign-up as staff see it, or null.</summary>
    public async Task<StaffSignupRow?> SignupAsync(long signupId, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<StaffSignupRow>(new CommandDefinition(OneSignupSql, new { signupId }, cancellationToken: cancellationToken));
    }

    private const string SignupSessionSql = "SELECT se.activity_id FROM signups s JOIN sessions se ON se.id = s.session_id WHERE s.id = @signupId";

    public async Task<long?> SignupActivityAsync(long signupId, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(SignupSessionSql, new { signupId }, cancellationToken: cancellationToken));
    }

    /// <summary>The most followers a search counts, and the furthest the list pages: past it staff narrow the search.</summary>
    public const int FollowerCountCap = 10_000;

    // One statement per combination of filters (auto-prepared statements get generic plans, which cannot use an
    // index for "(@x IS NULL OR col = @x)"). Without a search the total comes from follower_counts (migration 0023);
    // a search counts at most FollowerCountCap + 1 rows.
    private const string FollowerColumnsSql = """
        SELECT id, app_id, openid, subscribed, subscribed_at, unsubscribed_at, qr_scene, remark, tag_ids, last_message_at
        FROM followers
        """;

    private const string FollowerAppSql = "app_id = @appId";

    // Through UNIQUE (app_id, openid), one probe per account, whether or not the list is narrowed to an account.
    private const string FollowerAnyAppSql = "app_id IN (SELECT app_id FROM follower_counts WHERE tag = -1)";

    private const string FollowerOpenidSql = "openid = @q";

    // Only the few followers staff gave a remark (followers_remarked_idx, and the trigram index where pg_trgm is).
    private const string FollowerRemarkSql = @"remark IS NOT NULL AND remark ILIKE @pattern ESCAPE '\'";

    private const string FollowerSubscribedSql = "subscribed = @subscribed";

    private const string FollowerTagSql = "tag_ids @> ARRAY[@tagId]";

    private const string FollowerPageSql = "\nORDER BY id DESC LIMIT @limit OFFSET @offset";

    private const string FollowerCountedSql = """
        SELECT coalesce(sum(CASE WHEN @subscribed::boolean IS NULL THEN followers
                                 WHEN @subscribed THEN subscribed ELSE followers - subscribed END), 0)::bigint
        FROM follower_counts WHERE tag = @counterTag AND (@appId::text IS NULL OR app_id = @appId)
        """;

    private const string FollowerTagCountsSql = """
        SELECT tag AS id, sum(subscribed)::bigint AS followers FROM follower_counts
        WHERE tag >= 0 AND (@appId::text IS NULL OR app_id = @appId)
        GROUP BY tag HAVING sum(subscribed) > 0 ORDER BY tag
        """;

    /// <summary>
    /// A WeChat openid: 28 characters of letters, digits, '-' and '_'. Such a search is an exact lookup of that
    /// follower, not a remark search.
    /// </summary>
    public static bool LooksLikeOpenid(string text) =>
        text.Length == 28 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>
    /// One page of followers, newest first; the total (exact without a search, else counted up to
    /// <see cref="FollowerCountCap"/>, <c>TotalCapped</c> when there are more) and the subscribed followers of each tag.
    /// </summary>
    public async Task<FollowerPage> FollowersAsync(
        string? appId, bool? subscribed, int? tagId, string? q, int page, int pageSize, CancellationToken cancellationToken)
    {
        var conditions = new List<string>();
        if (q is not null && LooksLikeOpenid(q))
        {
            conditions.Add(appId is null ? FollowerAnyAppSql : FollowerAppSql);
            conditions.Add(FollowerOpenidSql);
        }
        else
        {
            if (appId is not null)
            {
                conditions.Add(FollowerAppSql);
            }

            if (q is not null)
            {
                conditions.Add(FollowerRemarkSql);
            }
        }

        if (subscribed is not null)
        {
            conditions.Add(FollowerSubscribedSql);
        }

        if (tagId is not null)
        {
            conditions.Add(FollowerTagSql);
        }

        var filtered = FollowerColumnsSql + (conditions.Count == 0 ? "" : "\nWHERE " + string.Join(" AND ", conditions));
        var countSql = q is null ? FollowerCountedSql : $"SELECT count(*) FROM ({filtered} LIMIT {FollowerCountCap + 1}) x";
        var sql = $"{filtered}{FollowerPageSql};\n{countSql};\n{FollowerTagCountsSql};";
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var multi = await conn.QueryMultipleAsync(new CommandDefinition(sql, new
        {
            appId, subscribed, tagId, counterTag = tagId ?? -1, q, pattern = Catalogue.ActivityStore.ContainsPattern(q),
            limit = pageSize, offset = (page - 1) * pageSize,
        }, cancellationToken: cancellationToken));
        var items = (await multi.ReadAsync<FollowerRow>()).ToList();
        var total = await multi.ReadSingleAsync<long>();
        var tags = (await multi.ReadAsync<(int, long)>()).ToList();
        var capped = q is not null && total > FollowerCountCap;
        return new FollowerPage(items, capped ? FollowerCountCap : total, capped, tags);
    }

    // Each figure reads a bounded range or a maintained counter, never a whole table: sign-ups from the per-day
    // counters (signup_day_counts, 0025), places from the sessions' counters, followers from follower_counts, pending notices from
    // signup_events_pending_idx and the week's sent ones from signup_events_notified_idx.
    private const string DashboardSql = """
        SELECT s.id, a.title AS activity_title, s.title, s.starts_at, s.venue, s.capacity, s.confirmed_count, s.waitlist_count,
               (SELECT count(*) FROM signups x WHERE x.session_id = s.id AND x.status = 'checked_in')::int AS checked_in
        FROM sessions s JOIN activities a ON a.id = s.activity_id
        WHERE s.starts_at >= @now AND s.starts_at < @until AND s.status <> 'cancelled'
        ORDER BY s.starts_at, s.id LIMIT 20;
        SELECT (SELECT coalesce(sum(signups), 0)::bigint FROM signup_day_counts WHERE day >= @today::date),
               (SELECT coalesce(sum(signups), 0)::bigint FROM signup_day_counts WHERE day >= @weekStartDay::date),
               (SELECT coalesce(sum(confirmed_count + waitlist_count), 0)::bigint FROM sessions);
        SELECT coalesce(sum(subscribed), 0)::bigint FROM follower_counts WHERE tag = -1;
        SELECT (SELECT count(*) FROM signup_events WHERE notified_at IS NULL AND kind IN ('promoted', 'session_cancelled')),
               (SELECT count(*) FROM signup_events
                WHERE notified_at IS NOT NULL AND kind IN ('promoted', 'session_cancelled') AND notified_at >= @weekStart);
        SELECT status, count(*) FROM broadcasts GROUP BY status;
        """;

    public async Task<DashboardFigures> DashboardAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var localDay = Shanghai.ToShanghai(now).Date;
        var dayStart = Shanghai.At(DateOnly.FromDateTime(localDay), TimeOnly.MinValue);
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var multi = await conn.QueryMultipleAsync(new CommandDefinition(DashboardSql, new
        {
            now = now.UtcDateTime,
            until = now.AddDays(14).UtcDateTime,
            weekStart = dayStart.AddDays(-6).UtcDateTime,
            // The Shanghai days of the sign-up counters (0025).
            today = localDay,
            weekStartDay = localDay.AddDays(-6),
        }, cancellationToken: cancellationToken));
        var upcoming = (await multi.ReadAsync<DashboardSession>()).ToList();
        var (today, week, active) = await multi.ReadSingleAsync<(long, long, long)>();
        var followers = await multi.ReadSingleAsync<long>();
        var (pending, sent) = await multi.ReadSingleAsync<(long, long)>();
        var broadcasts = (await multi.ReadAsync<(string Status, long Count)>()).ToDictionary(x => x.Status, x => x.Count);
        return new DashboardFigures(upcoming, today, week, active, followers, pending, sent, broadcasts);
    }
}

/// <summary>What a topic or campaign belongs to: an activity, or (null) the whole official account.</summary>
public sealed record LinkedActivity(long? ActivityId);

/// <summary>The staff member acting, as the audit log records them.</summary>
public sealed record StaffActor(long? Id, string Name, string Role, string? Unit)
{
    public bool IsAdmin => Role == "admin";
}
