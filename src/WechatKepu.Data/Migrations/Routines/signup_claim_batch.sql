-- signup_claim_batch: the sign-up batch's one statement (SignupClaimBatcher). The current definition lives
-- here and is re-applied whenever this file changes; migrations 0008, 0009 and 0010 are its history.
--
-- Returns one row per party, in input order: ord (1-based), outcome, for a placed party (confirmed or
-- waitlisted) the new signup ids and their children in the same order, for a waitlisted party its
-- waitlist_seq and position (the parties ahead of it plus one), and for 'duplicate' the child's name.
--
-- The duplicate check probes each child on its own through signups_one_active_per_child with both keys, in
-- a scalar subquery: it runs once per child and is never flattened into a join, so no plan can reorder it
-- (a join of the party's children to signups let a generic plan made on a young session read the session's
-- whole active list for every party). The pre-check (SignupStore.PrecheckSql) asks the same question in the
-- same form.
--
-- CREATE OR REPLACE cannot change the arguments or the result: a change to either starts this file with
-- DROP FUNCTION IF EXISTS for the old signature.
CREATE OR REPLACE FUNCTION signup_claim_batch(
    p_session bigint, p_parties uuid[], p_users bigint[], p_sizes int[], p_children bigint[],
    p_nows timestamptz[], p_max_active int)
RETURNS TABLE (ord int, outcome text, ids bigint[], child_ids bigint[], waitlist_seq bigint, waitlist_position int, child_name text)
LANGUAGE plpgsql
-- Generic plans: planned once per connection instead of on every call. With the default, PostgreSQL kept
-- planning the statements below afresh on each call (their array parameters make a generic plan look
-- dearer), and planning was half the cost of a batch of one. Every lookup below goes through a key.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_n int := coalesce(array_length(p_parties, 1), 0);
    v_status text;
    v_places int;
    v_room int;
    v_confirmed int := 0;
    v_waitlisted int := 0;
    v_off int[] := '{}';        -- offset of each party's children in p_children
    v_party int[] := '{}';      -- the party of each child
    v_exists boolean[];
    v_owned int[];
    v_dup text[];
    v_active bigint[];
    v_outcome text[] := '{}';
    v_seq bigint[] := '{}';
    v_taken bigint[] := '{}';   -- children this batch has placed
    v_kids bigint[];
    v_name text;
    v_extra int;
    v_k int := 0;
    v_queue int;                -- parties on the waiting list before this batch
    v_position int[] := '{}';
BEGIN
    PERFORM 1 FROM mp_users u WHERE u.id = ANY (p_users) ORDER BY u.id FOR NO KEY UPDATE;

    SELECT s.status, s.capacity - s.confirmed_count, s.waitlist_capacity - s.waitlist_count
    INTO v_status, v_places, v_room
    FROM sessions s WHERE s.id = p_session FOR UPDATE;

    -- Under the session lock the queue cannot change, and every party waitlisted below goes to its end.
    SELECT count(DISTINCT w.party_id) INTO v_queue FROM signups w WHERE w.session_id = p_session AND w.status = 'waitlisted';

    FOR i IN 1 .. v_n LOOP
        v_off[i] := v_k;
        FOR j IN 1 .. p_sizes[i] LOOP
            v_party[v_k + j] := i;
        END LOOP;
        v_k := v_k + p_sizes[i];
    END LOOP;

    -- What another request could have changed since the caller's pre-check, for every party at once.
    SELECT array_agg(EXISTS (SELECT 1 FROM mp_users u WHERE u.id = p_users[g]) ORDER BY g),
           array_agg((SELECT count(*) FROM children c
                      WHERE c.id = ANY (p_children[v_off[g] + 1 : v_off[g] + p_sizes[g]]) AND c.user_id = p_users[g])::int ORDER BY g),
           array_agg((SELECT (SELECT c.name FROM children c WHERE c.id = k.child_id)
                      FROM unnest(p_children[v_off[g] + 1 : v_off[g] + p_sizes[g]]) WITH ORDINALITY AS k (child_id, pos)
                      WHERE (SELECT true FROM signups s
                             WHERE s.session_id = p_session AND s.child_id = k.child_id
                               AND s.status IN ('confirmed', 'waitlisted', 'checked_in') AND s.child_id IS NOT NULL
                             LIMIT 1)
                      ORDER BY k.pos LIMIT 1) ORDER BY g),
           array_agg((SELECT count(*) FROM signups s JOIN sessions se ON se.id = s.session_id
                      WHERE s.user_id = p_users[g] AND s.status IN ('confirmed', 'waitlisted') AND se.ends_at > p_nows[g]) ORDER BY g)
    INTO v_exists, v_owned, v_dup, v_active
    FROM generate_series(1, v_n) AS g;

    -- The decisions, in arrival order.
    FOR i IN 1 .. v_n LOOP
        v_kids := p_children[v_off[i] + 1 : v_off[i] + p_sizes[i]];
        v_extra := 0;
        IF i > 1 AND p_users[i] = ANY (p_users[1 : i - 1]) THEN
            FOR j IN 1 .. i - 1 LOOP
                IF p_users[j] = p_users[i] AND v_outcome[j] IN ('confirmed', 'waitlisted') THEN
                    v_extra := v_extra + p_sizes[j];
                END IF;
            END LOOP;
        END IF;

        IF v_dup[i] IS NULL AND v_kids && v_taken THEN
            SELECT c.name INTO v_name FROM children c WHERE c.id = ANY (v_kids) AND c.id = ANY (v_taken) LIMIT 1;
            v_dup[i] := v_name;
        END IF;

        v_outcome[i] := CASE
            WHEN NOT v_exists[i] THEN 'user_gone'
            WHEN v_owned[i] <> p_sizes[i] THEN 'child_gone'
            WHEN v_dup[i] IS NOT NULL THEN 'duplicate'
            WHEN v_active[i] + v_extra + p_sizes[i] > p_max_active THEN 'limit'
            WHEN v_status IS DISTINCT FROM 'open' THEN 'cancelled'
            WHEN v_places >= p_sizes[i] THEN 'confirmed'
            WHEN v_room >= p_sizes[i] THEN 'waitlisted'
            ELSE 'full'
        END;

        IF v_outcome[i] = 'confirmed' THEN
            v_places := v_places - p_sizes[i];
            v_confirmed := v_confirmed + p_sizes[i];
            v_taken := v_taken || v_kids;
        ELSIF v_outcome[i] = 'waitlisted' THEN
            v_room := v_room - p_sizes[i];
            v_waitlisted := v_waitlisted + p_sizes[i];
            v_seq[i] := nextval('signup_waitlist_seq');
            v_queue := v_queue + 1;
            v_position[i] := v_queue;
            v_taken := v_taken || v_kids;
        END IF;
    END LOOP;

    RETURN QUERY
    WITH ins AS (
        INSERT INTO signups (session_id, user_id, child_id, party_id, status, waitlist_seq, created_at)
        SELECT p_session, p_users[v_party[k.pos::int]], k.child_id, p_parties[v_party[k.pos::int]],
               v_outcome[v_party[k.pos::int]], v_seq[v_party[k.pos::int]], p_nows[v_party[k.pos::int]]
        FROM unnest(p_children) WITH ORDINALITY AS k (child_id, pos)
        WHERE v_outcome[v_party[k.pos::int]] IN ('confirmed', 'waitlisted')
        ORDER BY k.pos
        RETURNING signups.id, signups.session_id, signups.child_id, signups.status, signups.party_id, signups.created_at
    ), ev AS (
        INSERT INTO signup_events (signup_id, session_id, kind, created_at)
        SELECT ins.id, ins.session_id, ins.status, ins.created_at FROM ins
    ), placed AS (
        SELECT ins.party_id, array_agg(ins.id ORDER BY ins.id) AS new_ids, array_agg(ins.child_id ORDER BY ins.id) AS new_children
        FROM ins GROUP BY ins.party_id
    )
    SELECT g::int, v_outcome[g], placed.new_ids, placed.new_children, v_seq[g], v_position[g],
           CASE WHEN v_outcome[g] = 'duplicate' THEN v_dup[g] END
    FROM generate_series(1, v_n) AS g LEFT JOIN placed ON placed.party_id = p_parties[g]
    ORDER BY g;

    IF v_confirmed > 0 OR v_waitlisted > 0 THEN
        UPDATE sessions s
        SET confirmed_count = s.confirmed_count + v_confirmed,
            waitlist_count = s.waitlist_count + v_waitlisted,
            updated_at = (SELECT max(t) FROM unnest(p_nows) AS t)
        WHERE s.id = p_session;
    END IF;
END
$$;
