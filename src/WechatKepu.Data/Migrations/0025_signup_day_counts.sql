-- The dashboard's "sign-ups today" and "this week" read per-day counters, not a day's or a week's sign-up rows: on
-- the year data set a busy week is ~46,000 index entries to count on every dashboard load (issue 21), and that grows
-- with the campaign's volume, where the counters do not.
--
-- signup_day_counts: sign-ups per Asia/Shanghai day of created_at, spread over shards so that concurrent sign-up
-- statements (each session's batch holds only its own session's lock) seldom wait on the same counter row: a
-- statement adds to the shard of its backend (pg_backend_pid() % 64). Readers sum a day's shards. PostgreSQL keeps it:
-- statement-level triggers on signups add what an INSERT brings, take off what a DELETE (a sample session's cascade,
-- a user's erasure) removes, and TRUNCATE empties it. created_at is never updated.
--
-- A bulk load with triggers off (session_replication_role = replica) must call signup_day_counts_rebuild() after.

CREATE TABLE signup_day_counts (
    day      date NOT NULL,
    shard    smallint NOT NULL,
    signups  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, shard)
);

CREATE FUNCTION signup_day_counts_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM signup_day_counts;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO signup_day_counts AS c (day, shard, signups)
        SELECT (r.created_at AT TIME ZONE 'Asia/Shanghai')::date, pg_backend_pid() % 64, count(*)
        FROM new_rows r GROUP BY 1 ORDER BY 1
        ON CONFLICT (day, shard) DO UPDATE SET signups = c.signups + excluded.signups;
    ELSE
        INSERT INTO signup_day_counts AS c (day, shard, signups)
        SELECT (r.created_at AT TIME ZONE 'Asia/Shanghai')::date, pg_backend_pid() % 64, -count(*)
        FROM old_rows r GROUP BY 1 ORDER BY 1
        ON CONFLICT (day, shard) DO UPDATE SET signups = c.signups + excluded.signups;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER signups_day_count_insert AFTER INSERT ON signups
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION signup_day_counts_apply();
CREATE TRIGGER signups_day_count_delete AFTER DELETE ON signups
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION signup_day_counts_apply();
CREATE TRIGGER signups_day_count_truncate AFTER TRUNCATE ON signups
    FOR EACH STATEMENT EXECUTE FUNCTION signup_day_counts_apply();

-- Counts every sign-up again and replaces the counters, holding off writers to signups meanwhile.
CREATE FUNCTION signup_day_counts_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE signups IN SHARE MODE;
    LOCK TABLE signup_day_counts IN EXCLUSIVE MODE;
    DELETE FROM signup_day_counts;
    INSERT INTO signup_day_counts (day, shard, signups)
    SELECT (created_at AT TIME ZONE 'Asia/Shanghai')::date, 0, count(*) FROM signups GROUP BY 1;
END
$$;

SELECT signup_day_counts_rebuild();
