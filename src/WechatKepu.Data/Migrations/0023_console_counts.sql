-- The console's dashboard and follower list read counters and bounded ranges, not whole tables.
--
-- follower_counts: per official account, how many followers it has (all rows, subscribed or not) and how many are
-- subscribed; tag = -1 is the whole account, tag >= 0 the followers carrying that WeChat tag (tag_ids). PostgreSQL
-- keeps it: statement-level triggers on followers add what a statement's new rows bring and take off what its old
-- rows had. A statement that leaves subscribed, tag_ids and app_id as they were (last_message_at, a profile's
-- unionid, the callback's "ensure" upsert) nets to zero and does not touch, so does not lock, any counter row.
-- Counter rows are changed in (app_id, tag) order, so two statements never wait on each other in a cycle.
-- Rows with zero counts stay; readers skip them.
--
-- A bulk load with triggers off (session_replication_role = replica) must call follower_counts_rebuild() after.

CREATE TABLE follower_counts (
    app_id      text NOT NULL,
    tag         integer NOT NULL,             -- -1: the whole account; else a WeChat tag id
    followers   bigint NOT NULL DEFAULT 0,
    subscribed  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, tag)
);

-- The counters each follower row adds: one for its account, one for each distinct tag it carries.
CREATE FUNCTION follower_count_keys(tag_ids integer[]) RETURNS SETOF integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT DISTINCT t FROM unnest(array_prepend(-1, tag_ids)) AS t WHERE t IS NOT NULL
$$;

CREATE FUNCTION follower_counts_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Each branch reads only the transition tables its event has (INSERT: new_rows, DELETE: old_rows).
    IF TG_OP = 'INSERT' THEN
        INSERT INTO follower_counts AS c (app_id, tag, followers, subscribed)
        SELECT r.app_id, k.tag, count(*), count(*) FILTER (WHERE r.subscribed)
        FROM new_rows r, follower_count_keys(r.tag_ids) AS k (tag)
        GROUP BY r.app_id, k.tag
        ORDER BY r.app_id, k.tag
        ON CONFLICT (app_id, tag) DO UPDATE
        SET followers = c.followers + excluded.followers, subscribed = c.subscribed + excluded.subscribed;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO follower_counts AS c (app_id, tag, followers, subscribed)
        SELECT r.app_id, k.tag, -count(*), -count(*) FILTER (WHERE r.subscribed)
        FROM old_rows r, follower_count_keys(r.tag_ids) AS k (tag)
        GROUP BY r.app_id, k.tag
        ORDER BY r.app_id, k.tag
        ON CONFLICT (app_id, tag) DO UPDATE
        SET followers = c.followers + excluded.followers, subscribed = c.subscribed + excluded.subscribed;
    ELSE
        INSERT INTO follower_counts AS c (app_id, tag, followers, subscribed)
        SELECT app_id, tag, sum(n), sum(n) FILTER (WHERE subscribed)
        FROM (
            SELECT r.app_id, k.tag, r.subscribed, 1 AS n FROM new_rows r, follower_count_keys(r.tag_ids) AS k (tag)
            UNION ALL
            SELECT r.app_id, k.tag, r.subscribed, -1 FROM old_rows r, follower_count_keys(r.tag_ids) AS k (tag)
        ) d
        GROUP BY app_id, tag
        HAVING sum(n) <> 0 OR coalesce(sum(n) FILTER (WHERE subscribed), 0) <> 0
        ORDER BY app_id, tag
        ON CONFLICT (app_id, tag) DO UPDATE
        SET followers = c.followers + excluded.followers, subscribed = c.subscribed + coalesce(excluded.subscribed, 0);
    END IF;
    RETURN NULL;
END
$$;

-- Transition tables cannot go with a column list (UPDATE OF ...), so every UPDATE statement runs the function;
-- one that changed nothing counted finds a zero net and writes nothing. INSERT ... ON CONFLICT DO UPDATE fires
-- both: the inserted rows arrive in the insert trigger, the updated ones in the update trigger.
CREATE TRIGGER followers_count_insert AFTER INSERT ON followers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION follower_counts_apply();
CREATE TRIGGER followers_count_update AFTER UPDATE ON followers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION follower_counts_apply();
CREATE TRIGGER followers_count_delete AFTER DELETE ON followers
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION follower_counts_apply();

-- Counts every follower again and replaces the counters, holding off writers to followers meanwhile.
CREATE FUNCTION follower_counts_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE followers IN SHARE MODE;
    LOCK TABLE follower_counts IN EXCLUSIVE MODE;
    DELETE FROM follower_counts;
    INSERT INTO follower_counts (app_id, tag, followers, subscribed)
    SELECT f.app_id, k.tag, count(*), count(*) FILTER (WHERE f.subscribed)
    FROM followers f, follower_count_keys(f.tag_ids) AS k (tag)
    GROUP BY f.app_id, k.tag;
END
$$;

SELECT follower_counts_rebuild();

-- The follower list's text search reads only followers staff gave a remark (a few), newest first.
CREATE INDEX followers_remarked_idx ON followers (id) WHERE remark IS NOT NULL;

-- And, where the server has pg_trgm (Debian's postgresql package ships it), a trigram index over those remarks for
-- searches of three characters or more.
DO $$
BEGIN
    -- pg_trgm is a trusted extension: a database owner (CREATE privilege) may install it without being superuser.
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')
       OR (EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm')
           AND has_database_privilege(current_database(), 'CREATE')) THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE INDEX followers_remark_trgm_idx ON followers USING gin (remark gin_trgm_ops) WHERE remark IS NOT NULL;
    END IF;
END
$$;

-- The dashboard's "notices sent in the last 7 days" (pending ones use signup_events_pending_idx of 0003).
CREATE INDEX signup_events_notified_idx ON signup_events (notified_at)
    WHERE notified_at IS NOT NULL AND kind IN ('promoted', 'session_cancelled');
