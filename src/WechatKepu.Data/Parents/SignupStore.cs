using Dapper;
using Npgsql;

namespace WechatKepu.Data.Parents;

/// <summary>The guardian-side limits a sign-up is checked against.</summary>
public sealed record SignupLimits(int MaxActivePerGuardian, string PrivacyNoticeVersion);

public sealed record SignupResult(SignupOutcome Outcome, IReadOnlyList<SignupRow> Signups, string? ChildName = null);

public enum CancelOutcome { Cancelled, NotFound, DeadlinePassed, AlreadyCheckedIn }

public sealed record CancelResult(CancelOutcome Outcome, SignupRow? Signup, IReadOnlyList<long> Promoted);

/// <summary>
/// Sign-ups with waiting lists. Every change of a session's places happens while holding that
/// session's row lock, with availability read after the lock is taken: no overbooking under any
/// concurrency. A guardian's own requests are serialised on their user row, always locked before the
/// session row, so the two locks are always taken in the same order.
/// </summary>
public sealed class SignupStore(NpgsqlDataSource dataSource, SignupClaimBatcher claims)
{

    private const string LockUser = "SELECT id FROM mp_users WHERE id = @userId FOR UPDATE";

    // Everything the rules need and the answer shows, in one statement and without locks: one row per
    // child found (or one row with no child), the guardian's and the session's columns repeated on each.
    // The duplicate check probes each child by key in a scalar subquery, which no plan can turn into a
    // scan of the session's list; the claim asks it the same way (Migrations/Routines/signup_claim_batch.sql). The
    // rules another request could break in the meantime (guardian gone, children gone, duplicate, limit)
    // are checked again by the claim, under the guardian's row lock (signup_claim_batch). Positional
    // parameters ($1 user, $2 session, $3 children, $4 now, $5 privacy-notice version): Npgsql sends the
    // text as it is, where named ones made it parse the SQL on every call.
    private const string PrecheckSql = """
        SELECT u.id IS NOT NULL AS user_exists,
               EXISTS (SELECT 1 FROM guardian_consents WHERE user_id = $1 AND privacy_notice_version = $5) AS consented,
               EXISTS (SELECT 1 FROM guardians WHERE user_id = $1) AS has_profile,
               (SELECT count(*) FROM signups s JOIN sessions x ON x.id = s.session_id
                WHERE s.user_id = $1 AND s.status IN ('confirmed', 'waitlisted') AND x.ends_at > $4) AS active,
               (SELECT (SELECT c.name FROM children c WHERE c.id = k.child_id)
                FROM unnest($3::bigint[]) WITH ORDINALITY AS k (child_id, pos)
                WHERE (SELECT true FROM signups s
                       WHERE s.session_id = $2 AND s.child_id = k.child_id
                         AND s.status IN ('confirmed', 'waitlisted', 'checked_in') AND s.child_id IS NOT NULL
                       LIMIT 1)
                ORDER BY k.pos LIMIT 1) AS already,
               se.id AS session_id, se.status, se.title AS session_title, a.title AS activity_title, se.venue,
               se.starts_at, se.ends_at, se.cancel_deadline, se.signup_opens_at, se.signup_closes_at,
               se.min_grade, se.max_grade, se.min_age, se.max_age,
               se.capacity - se.confirmed_count AS places, se.waitlist_capacity - se.waitlist_count AS room,
               c.id AS child_id, c.name AS child_name, c.grade, c.birth_year_month
        FROM (SELECT) AS one
        LEFT JOIN mp_users u ON u.id = $1
        LEFT JOIN sessions se ON se.id = $2
        LEFT JOIN activities a ON a.id = se.activity_id
        LEFT JOIN LATERAL (
            SELECT c.id, c.name, c.grade, c.birth_year_month, k.pos
            FROM unnest($3::bigint[]) WITH ORDINALITY AS k (child_id, pos)
            JOIN children c ON c.id = k.child_id AND c.user_id = $1
        ) AS c ON true
        ORDER BY c.pos
        """;

    /// <summary>
    /// Signs up a party of the guardian's children, all or nothing: confirmed while places last, else
    /// waitlisted while the waiting list has room, else refused with the first rule that fails.
    /// </summary>
    public async Task<SignupResult> SignUpAsync(
        long userId, long sessionId, IReadOnlyList<long> childIds, SignupLimits limits, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var ids = childIds.Distinct().ToArray();

        // PostgreSQL keeps microseconds: the time sent is the time stored, and the answer built below
        // shows the same created_at as a later read.
        var at = new DateTime(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMicrosecond, DateTimeKind.Utc);
        var rows = new List<PrecheckRow>(Math.Max(ids.Length, 1));
        await using (var cmd = dataSource.CreateCommand(PrecheckSql))
        {
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = userId });
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sessionId });
            cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = ids });
            cmd.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = at });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = limits.PrivacyNoticeVersion });
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            var parse = reader.GetRowParser<PrecheckRow>();
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(parse(reader));
            }
        }

        var refusal = Check(rows, ids.Length, limits, now);
        if (refusal is not null)
        {
            return refusal;
        }

        // Not cancellable from here: once queued, the claim is decided and committed with its batch.
        var party = new PartyClaim(userId, ids, Guid.NewGuid(), at);
        var claim = await claims.ClaimAsync(sessionId, party, limits.MaxActivePerGuardian);
        return claim.Outcome is SignupOutcome.Confirmed or SignupOutcome.Waitlisted
            ? new SignupResult(claim.Outcome, Placed(rows, party, claim, sessionId))
            : Refused(claim.Outcome, claim.ChildName);
    }

    /// <summary>The new sign-ups as <see cref="ListAsync"/> would read them back, from what the claim returned.</summary>
    private static List<SignupRow> Placed(List<PrecheckRow> rows, PartyClaim party, PartyDecision claim, long sessionId)
    {
        var session = rows[0];
        var placed = new List<SignupRow>(claim.Ids!.Length);
        for (var i = 0; i < claim.Ids.Length; i++)
        {
            var childId = claim.ChildIds![i];
            placed.Add(new SignupRow
            {
                Id = claim.Ids[i], SessionId = sessionId, UserId = party.UserId, ChildId = childId,
                ChildName = rows.First(r => r.ChildId == childId).ChildName, PartyId = party.PartyId,
                Status = claim.Outcome == SignupOutcome.Confirmed ? SignupStatus.Confirmed : SignupStatus.Waitlisted, WaitlistSeq = claim.WaitlistSeq, WaitlistPosition = claim.WaitlistPosition, CreatedAt = party.Now,
                SessionTitle = session.SessionTitle!, ActivityTitle = session.ActivityTitle!, StartsAt = session.StartsAt!.Value,
                EndsAt = session.EndsAt!.Value, Venue = session.Venue!, CancelDeadline = session.CancelDeadline!.Value,
            });
        }

        return placed;
    }

    /// <summary>The first rule the request breaks, or null. Runs before the session lock is taken.</summary>
    private static SignupResult? Check(List<PrecheckRow> rows, int requested, SignupLimits limits, DateTimeOffset now)
    {
        var head = rows[0];
        if (!head.UserExists)
        {
            return Refused(SignupOutcome.UserGone);
        }

        if (!head.Consented)
        {
            return Refused(SignupOutcome.ConsentRequired);
        }

        if (!head.HasProfile)
        {
            return Refused(SignupOutcome.ProfileRequired);
        }

        if (head.SessionId is null)
        {
            return Refused(SignupOutcome.SessionNotFound);
        }

        if (head.Status == "cancelled")
        {
            return Refused(SignupOutcome.SessionCancelled);
        }

        if (now.UtcDateTime < head.SignupOpensAt)
        {
            return Refused(SignupOutcome.SignupNotOpen);
        }

        if (head.Status == "closed" || now.UtcDateTime >= head.SignupClosesAt)
        {
            return Refused(SignupOutcome.SignupClosed);
        }

        if (rows.Count(r => r.ChildId is not null) != requested)
        {
            return Refused(SignupOutcome.ChildNotFound);
        }

        var day = DateOnly.FromDateTime(Shanghai.ToShanghai(new DateTimeOffset(head.StartsAt!.Value, TimeSpan.Zero)).DateTime);
        foreach (var child in rows)
        {
            var birth = child.BirthYearMonth is { } b ? DateOnly.FromDateTime(b) : (DateOnly?)null;
            if (head.MinGrade is not null || head.MaxGrade is not null)
            {
                var grade = Eligibility.GradeOn(child.Grade, birth, day);
                if (grade is null || grade < (head.MinGrade ?? 0) || grade > (head.MaxGrade ?? 12))
                {
                    return Refused(SignupOutcome.GradeOutOfRange, child.ChildName);
                }
            }

            if (head.MinAge is not null || head.MaxAge is not null)
            {
                var age = Eligibility.AgeOn(child.Grade, birth, day);
                if (age is null || age < (head.MinAge ?? 0) || age > (head.MaxAge ?? 99))
                {
                    return Refused(SignupOutcome.AgeOutOfRange, child.ChildName);
                }
            }
        }

        if (head.Already is not null)
        {
            return Refused(SignupOutcome.AlreadySignedUp, head.Already);
        }

        if (head.Active + requested > limits.MaxActivePerGuardian)
        {
            return Refused(SignupOutcome.GuardianLimit);
        }

        // Full as of a committed read: counters only change under the session lock, so a session seen
        // full stays full unless someone cancels, and refusing then is the same as arriving a moment
        // earlier. This keeps refused requests away from the lock the others queue on.
        return head.Places < requested && head.Room < requested ? Refused(SignupOutcome.SessionFull) : null;
    }

    private static SignupResult Refused(SignupOutcome outcome, string? childName = null) => new(outcome, [], childName);

    private const string CancelReadSql = """
        SELECT s.id, s.session_id, s.status, se.cancel_deadline FROM signups s JOIN sessions se ON se.id = s.session_id
        WHERE s.id = @signupId AND s.user_id = @userId
        """;

    private const string LockSessionSql = "SELECT id FROM sessions WHERE id = @sessionId FOR UPDATE";

    private const string CancelSql = """
        WITH old AS (SELECT id, session_id, status FROM signups WHERE id = @signupId FOR UPDATE),
             upd AS (UPDATE signups s SET status = 'cancelled', cancelled_at = @now, waitlist_seq = NULL
                     FROM old WHERE s.id = old.id AND old.status IN ('confirmed', 'waitlisted') RETURNING s.id),
             cnt AS (UPDATE sessions se
                     SET confirmed_count = se.confirmed_count - CASE WHEN old.status = 'confirmed' THEN 1 ELSE 0 END,
                         waitlist_count = se.waitlist_count - CASE WHEN old.status = 'waitlisted' THEN 1 ELSE 0 END,
                         updated_at = @now
                     FROM old WHERE se.id = old.session_id AND EXISTS (SELECT 1 FROM upd) RETURNING se.id),
             ev AS (INSERT INTO signup_events (signup_id, session_id, kind, created_at)
                    SELECT old.id, old.session_id, 'cancelled', @now FROM old WHERE EXISTS (SELECT 1 FROM upd))
        SELECT status FROM old
        """;

    /// <summary>
    /// Cancels one child's sign-up before the session's deadline. When it held a place, the place goes
    /// in the same transaction to the next waitlisted parties that fit.
    /// </summary>
    public async Task<CancelResult> CancelAsync(long userId, long signupId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        CommandDefinition Cmd(string sql, object args) => new(sql, args, tx, cancellationToken: cancellationToken);

        await conn.ExecuteAsync(Cmd(LockUser, new { userId }));
        var row = await conn.QuerySingleOrDefaultAsync<(long Id, long SessionId, string Status, DateTime CancelDeadline)>(
            Cmd(CancelReadSql, new { signupId, userId }));
        if (row.Id == 0)
        {
            return new CancelResult(CancelOutcome.NotFound, null, []);
        }

        if (row.Status == SignupStatus.Cancelled)
        {
            return new CancelResult(CancelOutcome.Cancelled, (await ListAsync(conn, tx, userId, null, [signupId], cancellationToken))[0], []);
        }

        if (row.Status == SignupStatus.CheckedIn)
        {
            return new CancelResult(CancelOutcome.AlreadyCheckedIn, null, []);
        }

        if (now.UtcDateTime > row.CancelDeadline)
        {
            return new CancelResult(CancelOutcome.DeadlinePassed, null, []);
        }

        var promoted = await CancelLockedAsync(conn, tx, signupId, row.SessionId, now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return new CancelResult(CancelOutcome.Cancelled, (await ListAsync(conn, null, userId, null, [signupId], cancellationToken))[0], promoted);
    }

    /// <summary>
    /// Cancels a sign-up inside the caller's transaction: takes the session's row lock, frees the place
    /// and promotes from the waiting list. Returns the promoted sign-up ids.
    /// </summary>
    internal static async Task<IReadOnlyList<long>> CancelLockedAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, long signupId, long sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await conn.ExecuteAsync(new CommandDefinition(LockSessionSql, new { sessionId }, tx, cancellationToken: cancellationToken));
        var previous = await conn.QuerySingleAsync<string>(new CommandDefinition(CancelSql,
            new { signupId, now = now.UtcDateTime }, tx, cancellationToken: cancellationToken));
        return previous == SignupStatus.Confirmed
            ? await PromoteLockedAsync(conn, tx, sessionId, now, cancellationToken)
            : [];
    }

    private const string WaitingPartiesSql = """
        SELECT party_id, count(*)::int AS size FROM signups
        WHERE session_id = @sessionId AND status = 'waitlisted'
        GROUP BY party_id ORDER BY min(waitlist_seq)
        """;

    private const string PromoteSql = """
        WITH up AS (
            UPDATE signups SET status = 'confirmed', waitlist_seq = NULL, promoted_at = @now
            WHERE session_id = @sessionId AND party_id = ANY (@parties) AND status = 'waitlisted'
            RETURNING id, session_id
        ), cnt AS (
            UPDATE sessions SET confirmed_count = confirmed_count + (SELECT count(*) FROM up),
                                waitlist_count = waitlist_count - (SELECT count(*) FROM up), updated_at = @now
            WHERE id = @sessionId
        ), ev AS (
            INSERT INTO signup_events (signup_id, session_id, kind, created_at) SELECT id, session_id, 'promoted', @now FROM up
        )
        SELECT id FROM up ORDER BY id
        """;

    /// <summary>
    /// Gives free places to waitlisted parties in their order. A party too big for the places left keeps
    /// its turn, and a smaller party behind it may be promoted. The caller holds the session's row lock.
    /// </summary>
    public static async Task<IReadOnlyList<long>> PromoteLockedAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, long sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var free = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT capacity - confirmed_count FROM sessions WHERE id = @sessionId AND status = 'open'",
            new { sessionId }, tx, cancellationToken: cancellationToken));
        if (free <= 0)
        {
            return [];
        }

        var parties = new List<Guid>();
        foreach (var (party, size) in await conn.QueryAsync<(Guid PartyId, int Size)>(new CommandDefinition(
                     WaitingPartiesSql, new { sessionId }, tx, cancellationToken: cancellationToken)))
        {
            if (size <= free)
            {
                parties.Add(party);
                free -= size;
            }

            if (free == 0)
            {
                break;
            }
        }

        if (parties.Count == 0)
        {
            return [];
        }

        return (await conn.QueryAsync<long>(new CommandDefinition(PromoteSql,
            new { sessionId, parties = parties.ToArray(), now = now.UtcDateTime }, tx, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>A waitlisted row's place in the queue (parties ahead of it, itself included), for a query over <c>signups s</c>.</summary>
    public const string WaitlistPositionSql = """
        CASE WHEN s.status = 'waitlisted' THEN
            (SELECT count(DISTINCT w.party_id) FROM signups w
             WHERE w.session_id = s.session_id AND w.status = 'waitlisted' AND w.waitlist_seq <= s.waitlist_seq)::int
        END AS waitlist_position
        """;

    private const string ListSql = $"""
        SELECT s.id, s.session_id, s.user_id, s.child_id, c.name AS child_name, s.party_id, s.status, s.waitlist_seq,
               s.created_at, s.promoted_at, s.cancelled_at, s.checked_in_at,
               se.title AS session_title, a.title AS activity_title, se.starts_at, se.ends_at, se.venue, se.cancel_deadline,
               {WaitlistPositionSql}
        FROM signups s
        JOIN sessions se ON se.id = s.session_id
        JOIN activities a ON a.id = se.activity_id
        LEFT JOIN children c ON c.id = s.child_id
        WHERE s.user_id = @userId
          AND (@sessionIds::bigint[] IS NULL OR s.session_id = ANY (@sessionIds))
          AND (@ids::bigint[] IS NULL OR s.id = ANY (@ids))
        ORDER BY s.created_at DESC, s.id
        """;

    /// <summary>The guardian's sign-ups, newest first, optionally for some sessions or ids only.</summary>
    public async Task<IReadOnlyList<SignupRow>> ListAsync(
        long userId, long[]? sessionIds, long[]? ids, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ListAsync(conn, null, userId, sessionIds, ids, cancellationToken);
    }

    // On the caller's connection: a method that holds a connection never waits for a second one, which a
    // bounded pool under load could leave it waiting for forever.
    private static async Task<IReadOnlyList<SignupRow>> ListAsync(
        NpgsqlConnection conn, NpgsqlTransaction? tx, long userId, long[]? sessionIds, long[]? ids, CancellationToken cancellationToken) =>
        (await conn.QueryAsync<SignupRow>(new CommandDefinition(ListSql, new { userId, sessionIds, ids }, tx,
            cancellationToken: cancellationToken))).ToList();

    /// <summary>A row of <see cref="PrecheckSql"/>: the guardian and session columns, then one child (or none).</summary>
    private sealed record PrecheckRow
    {
        public bool UserExists { get; init; }
        public bool Consented { get; init; }
        public bool HasProfile { get; init; }
        public long Active { get; init; }
        public string? Already { get; init; }
        public long? SessionId { get; init; }
        public string? Status { get; init; }
        public string? SessionTitle { get; init; }
        public string? ActivityTitle { get; init; }
        public string? Venue { get; init; }
        public DateTime? StartsAt { get; init; }
        public DateTime? EndsAt { get; init; }
        public DateTime? CancelDeadline { get; init; }
        public DateTime? SignupOpensAt { get; init; }
        public DateTime? SignupClosesAt { get; init; }
        public short? MinGrade { get; init; }
        public short? MaxGrade { get; init; }
        public short? MinAge { get; init; }
        public short? MaxAge { get; init; }
        public int? Places { get; init; }
        public int? Room { get; init; }
        public long? ChildId { get; init; }
        public string? ChildName { get; init; }
        public short? Grade { get; init; }
        public DateTime? BirthYearMonth { get; init; }
    }
}
