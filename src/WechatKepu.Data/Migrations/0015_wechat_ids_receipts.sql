-- Real WeChat (issue 15): message ids as text, receipts matched by msgid only, and what a send whose
-- outcome is unknown needs so that it is never resent after WeChat's 10-minute client_msg_id window.

-- MsgIDs are 19-digit numbers today (1700827132819554304): they fit bigint, but nothing promises they stay
-- that short. Text, as wechat_receipts.msg_id already is, compared as WeChat wrote them.
ALTER TABLE deliveries ALTER COLUMN msg_id TYPE text USING msg_id::text;
ALTER TABLE broadcasts ALTER COLUMN msg_id TYPE text USING msg_id::text;

-- The first attempt of this row that got no answer (timeout, dropped connection, dead process): WeChat
-- may have delivered it. A resend with the same client_msg_id is safe only within 10 minutes of it.
ALTER TABLE deliveries ADD COLUMN unknown_since timestamptz;

-- A receipt that names no usable msgid is not given to a guessed row: it is closed with the reason, and
-- the delivery report counts it.
ALTER TABLE wechat_receipts ADD COLUMN unmatched text;
CREATE INDEX wechat_receipts_unmatched_idx ON wechat_receipts (app_id, openid) WHERE unmatched IS NOT NULL;

-- A customer-service message (a broadcast to one person) has no idempotency key: one that got no answer is
-- recorded as unknown, never resent.
ALTER TABLE broadcast_recipients DROP CONSTRAINT broadcast_recipients_status_check;
ALTER TABLE broadcast_recipients ADD CONSTRAINT broadcast_recipients_status_check
    CHECK (status IN ('pending', 'sent', 'failed', 'skipped', 'unknown'));
