-- Erase and purge leave no trail of a parent (issue 16.5).

-- session_key was stored and never used: it is not kept at all.
ALTER TABLE mp_login_sessions DROP COLUMN session_key;

-- A recipient's openid can be cleared (erase, purge) while the row keeps counting in the broadcast's
-- results, so the openid leaves the primary key; unique per broadcast while it is there.
ALTER TABLE broadcast_recipients DROP CONSTRAINT broadcast_recipients_pkey;
ALTER TABLE broadcast_recipients ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
ALTER TABLE broadcast_recipients ALTER COLUMN openid DROP NOT NULL;
CREATE UNIQUE INDEX broadcast_recipients_openid_idx ON broadcast_recipients (broadcast_id, openid);

-- Parents erased before this migration: their delivery rows lost mp_user_id but kept openid and 'u:<id>'.
UPDATE deliveries SET openid = NULL, recipient = 'erased:' || id, msg_id = NULL,
       status = CASE WHEN status IN ('pending', 'sending') THEN 'cancelled' ELSE status END
WHERE recipient LIKE 'u:%' AND mp_user_id IS NULL;
