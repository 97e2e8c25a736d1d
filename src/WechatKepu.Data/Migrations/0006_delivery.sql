-- The delivery engine: one campaign row per thing to tell people (a session reminder, a waitlist
-- promotion, a topic round, a staff broadcast) and one delivery row per recipient, written in the
-- same transaction as the cause. Chunk jobs claim pending rows with FOR UPDATE SKIP LOCKED; every
-- outcome, receipt and errcode stays on the row, so a report is a GROUP BY.

CREATE TABLE delivery_campaigns (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind                text NOT NULL CHECK (kind IN ('session_reminder', 'waitlist_promoted', 'session_cancelled', 'topic_round', 'broadcast')),
    -- What caused it, unique: creating a campaign twice for the same cause is a no-op.
    source              text NOT NULL UNIQUE,
    title               text NOT NULL,
    -- Urgent campaigns (a session was cancelled) ignore quiet hours.
    urgent              boolean NOT NULL DEFAULT false,
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'cancelled')),
    send_after          timestamptz NOT NULL,
    -- What to send, per channel; the recipient's row says which channel it gets.
    mp_template_id      text,
    mp_data             jsonb,
    mp_page             text,
    oa_app_id           text,
    oa_template_id      text,
    oa_data             jsonb,
    oa_url              text,
    -- What it reminds of, so a moved or cancelled session or round cancels what has not gone out.
    session_id          bigint REFERENCES sessions (id),
    topic_round_id      bigint REFERENCES reminder_topic_rounds (id),
    ref_starts_at       timestamptz,
    total               integer NOT NULL DEFAULT 0,
    created_by          text,
    created_at          timestamptz NOT NULL,
    completed_at        timestamptz,
    cancelled_at        timestamptz
);
CREATE INDEX delivery_campaigns_active_idx ON delivery_campaigns (send_after) WHERE status = 'active';
CREATE INDEX delivery_campaigns_session_idx ON delivery_campaigns (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX delivery_campaigns_round_idx ON delivery_campaigns (topic_round_id) WHERE topic_round_id IS NOT NULL;

CREATE TABLE deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id      bigint NOT NULL REFERENCES delivery_campaigns (id),
    -- 'u:<mp user id>' for a parent (one message however many children), 'f:<follower id>' for a follower.
    recipient        text NOT NULL,
    channel          text NOT NULL CHECK (channel IN ('mp_subscribe', 'oa_template', 'none')),
    app_id           text,
    openid           text,
    mp_user_id       bigint REFERENCES mp_users (id) ON DELETE SET NULL,
    -- A one-time subscribe grant was taken from the ledger for this row (reason spent:<id>).
    grant_spent      boolean NOT NULL DEFAULT false,
    status           text NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unknown', 'cancelled', 'no_channel')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    claimed_at       timestamptz,
    sent_at          timestamptz,
    errcode          integer,
    errmsg           text,
    msg_id           bigint,
    receipt_status   text,
    receipt_at       timestamptz,
    UNIQUE (campaign_id, recipient, channel)
);
CREATE INDEX deliveries_open_idx ON deliveries (campaign_id, id) WHERE status IN ('pending', 'sending');
CREATE INDEX deliveries_sending_idx ON deliveries (claimed_at) WHERE status = 'sending';
CREATE INDEX deliveries_msg_idx ON deliveries (app_id, msg_id) WHERE msg_id IS NOT NULL;
CREATE INDEX deliveries_user_idx ON deliveries (mp_user_id) WHERE mp_user_id IS NOT NULL;
