-- Group commit for sign-ups: the parties that queue for one session at the same moment are decided in
-- one statement, under one lock of the session row and one commit, instead of one after another. Each
-- party stays all or nothing and is decided in arrival order: confirmed while places last, else
-- waitlisted while the waiting list has room, else full (a later, smaller party may still fit).
--
-- The rules that another request could break between the caller's pre-check and this statement are
-- checked again here, under the guardians' row locks (taken first, in id order, as every other path takes
-- a guardian's lock before a session's): the guardian still exists, the children are still theirs, no
-- child is already signed up for the session, and the guardian's active sign-ups stay within the limit.
--
-- Returns one row per party, in input order: ord (1-based), outcome, the new signup ids (confirmed or
-- waitlisted), and for 'duplicate' the child's name.
CREATE FUNCTION signup_claim_batch(
    p_session bigint, p_parties uuid[], p_users bigint[], p_sizes int[], p_children bigint[],
    p_nows timestamptz[], p_max_active int)
RETURNS TABLE (ord int, outcome text, ids bigint[], child_name text)
LANGUAGE plpgsql AS $$
DECLARE
    v_status text;
    v_places int;
    v_room int;
    v_confirmed int := 0;
    v_waitlisted int := 0;
    v_offset int := 0;
    v_n int;
    v_kids bigint[];
    v_seq bigint;
BEGIN
    PERFORM 1 FROM mp_users u WHERE u.id = ANY (p_users) ORDER BY u.id FOR NO KEY UPDATE;

    SELECT s.status, s.capacity - s.confirmed_count, s.waitlist_capacity - s.waitlist_count
    INTO v_status, v_places, v_room
    FROM sessions s WHERE s.id = p_session FOR UPDATE;

    FOR i IN 1 .. coalesce(array_length(p_parties, 1), 0) LOOP
        v_n := p_sizes[i];
        v_kids := p_children[v_offset + 1 : v_offset + v_n];
        v_offset := v_offset + v_n;
        ord := i;
        ids := NULL;
        child_name := NULL;

        IF NOT EXISTS (SELECT 1 FROM mp_users u WHERE u.id = p_users[i]) THEN
            outcome := 'user_gone';
        ELSIF (SELECT count(*) FROM children c WHERE c.id = ANY (v_kids) AND c.user_id = p_users[i]) <> v_n THEN
            outcome := 'child_gone';
        ELSE
            SELECT c.name INTO child_name
            FROM signups s JOIN children c ON c.id = s.child_id
            WHERE s.session_id = p_session AND s.child_id = ANY (v_kids) AND s.status IN ('confirmed', 'waitlisted', 'checked_in')
            LIMIT 1;
            IF child_name IS NOT NULL THEN
                outcome := 'duplicate';
            ELSIF (SELECT count(*) FROM signups s JOIN sessions se ON se.id = s.session_id
                   WHERE s.user_id = p_users[i] AND s.status IN ('confirmed', 'waitlisted') AND se.ends_at > p_nows[i]) + v_n > p_max_active THEN
                outcome := 'limit';
            ELSIF v_status IS DISTINCT FROM 'open' THEN
                outcome := 'cancelled';
            ELSIF v_places >= v_n THEN
                outcome := 'confirmed';
            ELSIF v_room >= v_n THEN
                outcome := 'waitlisted';
            ELSE
                outcome := 'full';
            END IF;
        END IF;

        IF outcome IN ('confirmed', 'waitlisted') THEN
            v_seq := CASE WHEN outcome = 'waitlisted' THEN nextval('signup_waitlist_seq') END;
            WITH ins AS (
                INSERT INTO signups (session_id, user_id, child_id, party_id, status, waitlist_seq, created_at)
                SELECT p_session, p_users[i], k.child_id, p_parties[i], outcome, v_seq, p_nows[i]
                FROM unnest(v_kids) WITH ORDINALITY AS k (child_id, pos)
                ORDER BY k.pos
                RETURNING signups.id, signups.session_id, signups.status
            ), ev AS (
                INSERT INTO signup_events (signup_id, session_id, kind, created_at)
                SELECT ins.id, ins.session_id, ins.status, p_nows[i] FROM ins
            )
            SELECT array_agg(ins.id ORDER BY ins.id) INTO ids FROM ins;

            IF outcome = 'confirmed' THEN
                v_places := v_places - v_n;
                v_confirmed := v_confirmed + v_n;
            ELSE
                v_room := v_room - v_n;
                v_waitlisted := v_waitlisted + v_n;
            END IF;
        END IF;

        RETURN NEXT;
    END LOOP;

    IF v_confirmed > 0 OR v_waitlisted > 0 THEN
        UPDATE sessions s
        SET confirmed_count = s.confirmed_count + v_confirmed,
            waitlist_count = s.waitlist_count + v_waitlisted,
            updated_at = (SELECT max(t) FROM unnest(p_nows) AS t)
        WHERE s.id = p_session;
    END IF;
END
$$;
