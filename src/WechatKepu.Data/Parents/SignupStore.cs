using Dapper;
using Npgsql;

namespace WechatKepu.Data.Parents;

public enum SignupOutcome
{
    Confirmed,
    Waitlisted,
    SessionNotFound,
    SessionCancelled,
    SignupNotOpen,
    SignupClosed,
    ChildNotFound,
    GradeOutOfRange,
    AgeOutOfRange,
    AlreadySignedUp,
    GuardianLimit,
    SessionFull,
    ConsentRequired,
    ProfileRequired,
    UserGone,
}

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
public sealed class SignupStore(NpgsqlDataSource dataSource)
{
    private readonly SignupClaimBatcher _claims = new(dataSource);

    private const string LockUser = "SELECT id FROM mp_users WHERE id = @userId FOR UPDATE";

    // Everything the rules need, in one round trip and without locks. The rules another request could
    // break in the meantime (guardian gone, children gone, duplicate, limit) are checked again by the
    // claim, under the guardian's row lock (0008_signup_claim_batch.sql).
    private const string PrecheckSql = """
        SELECT id FROM mp_users WHERE id = @userId;
        SELECT id, status, starts_at, signup_opens_at, signup_closes_at, min_grade, max_grade, min_age, max_age,
               capacity - confirmed_count AS places, waitlist_capacity - waitlist_count AS room
        FROM sessions WHERE id = @sessionId;
        SELECT * FROM children WHERE id = ANY (@childIds) AND user_id = @userId;
        SELECT c.name FROM signups s JOIN children c ON c.id = s.child_id
        WHERE s.session_id = @sessionId AND s.child_id = ANY (@childIds) AND s.status IN ('confirmed', 'waitlisted', 'checked_in')
        LIMIT 1;
        SELECT count(*) FROM signups s JOIN sessions se ON se.id = s.session_id
        WHERE s.user_id = @userId AND s.status IN ('confirmed', 'waitlisted') AND se.ends_at > @now;
        SELECT EXISTS (SELECT 1 FROM guardian_consents WHERE user_id = @userId AND privacy_notice_version = @noticeVersion),
               EXISTS (SELECT 1 FROM guardians WHERE user_id = @userId);
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
        SessionRules? session;
        List<ChildRow> children;
        string? already;
        long active;
        bool consented, hasProfile;
        await using (var conn = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var pre = await conn.QueryMultipleAsync(new CommandDefinition(PrecheckSql, new
        {
            userId, sessionId, childIds = ids, now = now.UtcDateTime, noticeVersion = limits.PrivacyNoticeVersion,
        }, cancellationToken: cancellationToken)))
        {
            if (await pre.ReadSingleOrDefaultAsync<long?>() is null)
            {
                return Refused(SignupOutcome.UserGone);
            }

            session = await pre.ReadSingleOrDefaultAsync<SessionRules>();
            children = (await pre.ReadAsync<ChildRow>()).ToList();
            already = await pre.ReadSingleOrDefaultAsync<string>();
            active = await pre.ReadSingleAsync<long>();
            (consented, hasProfile) = await pre.ReadSingleAsync<(bool, bool)>();
        }

        var refusal = Check(session, children, ids.Length, already, active, consented, hasProfile, limits, now);
        if (refusal is not null)
        {
            return refusal;
        }

        // Not cancellable from here: once queued, the claim is decided and committed with its batch.
        var claim = await _claims.ClaimAsync(sessionId, new PartyClaim(userId, ids, Guid.NewGuid(), now.UtcDateTime), limits.MaxActivePerGuardian);
        return claim.Outcome switch
        {
            "confirmed" or "waitlisted" when claim.Ids is { Length: > 0 } => new SignupResult(
                claim.Outcome == "confirmed" ? SignupOutcome.Confirmed : SignupOutcome.Waitlisted,
                await ListAsync(userId, null, claim.Ids, CancellationToken.None)),
            "duplicate" => Refused(SignupOutcome.AlreadySignedUp, claim.ChildName),
            "limit" => Refused(SignupOutcome.GuardianLimit),
            "user_gone" => Refused(SignupOutcome.UserGone),
            "child_gone" => Refused(SignupOutcome.ChildNotFound),
            "cancelled" => Refused(SignupOutcome.SessionCancelled),
            _ => Refused(SignupOutcome.SessionFull),
        };
    }

    /// <summary>The first rule the request breaks, or null. Runs before the session lock is taken.</summary>
    private static SignupResult? Check(
        SessionRules? session, List<ChildRow> children, int requested, string? already, long active,
        bool consented, bool hasProfile, SignupLimits limits, DateTimeOffset now)
    {
        if (!consented)
        {
            return Refused(SignupOutcome.ConsentRequired);
        }

        if (!hasProfile)
        {
            return Refused(SignupOutcome.ProfileRequired);
        }

        if (session is null)
        {
            return Refused(SignupOutcome.SessionNotFound);
        }

        if (session.Status == "cancelled")
        {
            return Refused(SignupOutcome.SessionCancelled);
        }

        if (now.UtcDateTime < session.SignupOpensAt)
        {
            return Refused(SignupOutcome.SignupNotOpen);
        }

        if (session.Status == "closed" || now.UtcDateTime >= session.SignupClosesAt)
        {
            return Refused(SignupOutcome.SignupClosed);
        }

        if (children.Count != requested)
        {
            return Refused(SignupOutcome.ChildNotFound);
        }

        var day = DateOnly.FromDateTime(Shanghai.ToShanghai(new DateTimeOffset(session.StartsAt, TimeSpan.Zero)).DateTime);
        foreach (var child in children)
        {
            var birth = child.BirthYearMonth is { } b ? DateOnly.FromDateTime(b) : (DateOnly?)null;
            if (session.MinGrade is not null || session.MaxGrade is not null)
            {
                var grade = Eligibility.GradeOn(child.Grade, birth, day);
                if (grade is null || grade < (session.MinGrade ?? 0) || grade > (session.MaxGrade ?? 12))
                {
                    return Refused(SignupOutcome.GradeOutOfRange, child.Name);
                }
            }

            if (session.MinAge is not null || session.MaxAge is not null)
            {
                var age = Eligibility.AgeOn(child.Grade, birth, day);
                if (age is null || age < (session.MinAge ?? 0) || age > (session.MaxAge ?? 99))
                {
                    return Refused(SignupOutcome.AgeOutOfRange, child.Name);
                }
            }
        }

        if (already is not null)
        {
            return Refused(SignupOutcome.AlreadySignedUp, already);
        }

        if (active + requested > limits.MaxActivePerGuardian)
        {
            return Refused(SignupOutcome.GuardianLimit);
        }

        // Full as of a committed read: counters only change under the session lock, so a session seen
        // full stays full unless someone cancels, and refusing then is the same as arriving a moment
        // earlier. This keeps refused requests away from the lock the others queue on.
        return session.Places < requested && session.Room < requested ? Refused(SignupOutcome.SessionFull) : null;
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
            return new CancelResult(CancelOutcome.Cancelled, (await ListAsync(userId, null, [signupId], cancellationToken))[0], []);
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
        return new CancelResult(CancelOutcome.Cancelled, (await ListAsync(userId, null, [signupId], cancellationToken))[0], promoted);
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
    internal const string WaitlistPositionSql = """
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
        return (await conn.QueryAsync<SignupRow>(new CommandDefinition(ListSql, new { userId, sessionIds, ids },
            cancellationToken: cancellationToken))).ToList();
    }

    private sealed record SessionRules(
        long Id, string Status, DateTime StartsAt, DateTime SignupOpensAt, DateTime SignupClosesAt,
        short? MinGrade, short? MaxGrade, short? MinAge, short? MaxAge, int Places, int Room);
}
