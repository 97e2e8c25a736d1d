-- The official-account callback: the inbound log (which is also the dedup table), delivery receipts,
-- and the auto-reply configuration staff edit.

-- One row per (account, WeChat's dedup key). The row is claimed with INSERT … ON CONFLICT DO NOTHING
-- before anything is done, so whichever request inserts it (on any instance) is the one that handles the
-- message; every retry reads `reply` back instead of handling it again.
CREATE TABLE wechat_inbound (
    app_id        text NOT NULL,
    dedup_key     text NOT NULL,
    openid        text NOT NULL,
    msg_type      text NOT NULL,
    event         text,
    body          text NOT NULL,           -- the decrypted message XML
    reply         text,                    -- the passive reply every try gets: reply XML, or 'success'; NULL while the first try runs
    outcome       text,                    -- the handler's reply XML ('' = nothing to say); differs from reply when it came too late
    received_at   timestamptz NOT NULL,
    handled_at    timestamptz,             -- the handler's work committed (side effects happen once, checked under the row lock)
    late_sent_at  timestamptz,             -- a late outcome went out through the customer-service API
    PRIMARY KEY (app_id, dedup_key)
);
-- Rows arrive in time order, so a BRIN index serves the retention purge at almost no insert cost.
CREATE INDEX wechat_inbound_received_brin ON wechat_inbound USING brin (received_at);

-- Receipts of sends (TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH, subscribe_msg_*): stored cheaply as they
-- arrive in bursts; the delivery engine applies them to its rows and sets processed_at.
CREATE TABLE wechat_receipts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id        text NOT NULL,
    openid        text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('template_send', 'mass_send', 'subscribe_popup', 'subscribe_change', 'subscribe_sent')),
    msg_id        text,                     -- MsgID of the send (template, mass, subscribe_sent)
    template_id   text,                     -- subscribe_* events: one row per <List> item
    status        text NOT NULL,            -- WeChat's status text: success, failed:user block, accept, reject…
    payload       jsonb NOT NULL DEFAULT '{}',
    dedup_key     text NOT NULL,            -- the callback that carried it
    received_at   timestamptz NOT NULL,
    processed_at  timestamptz
);
CREATE INDEX wechat_receipts_unprocessed_idx ON wechat_receipts (id) WHERE processed_at IS NULL;
CREATE INDEX wechat_receipts_msg_idx ON wechat_receipts (app_id, msg_id) WHERE msg_id IS NOT NULL;

-- Keyword auto-replies of an official account.
CREATE TABLE reply_rules (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id        text NOT NULL,
    keyword       text NOT NULL CHECK (length(keyword) BETWEEN 1 AND 60),
    match_kind    text NOT NULL CHECK (match_kind IN ('exact', 'contains')),
    reply_text    text NOT NULL CHECK (length(reply_text) BETWEEN 1 AND 2000),
    priority      integer NOT NULL DEFAULT 0 CHECK (priority BETWEEN -1000 AND 1000),
    enabled       boolean NOT NULL DEFAULT true,
    active_from   timestamptz,              -- optional window in which the rule answers
    active_until  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (active_from IS NULL OR active_until IS NULL OR active_until > active_from)
);
CREATE INDEX reply_rules_app_idx ON reply_rules (app_id);

-- Per account: the welcome message on subscribe and the reply when no rule or command matches.
CREATE TABLE reply_settings (
    app_id        text PRIMARY KEY,
    welcome_text  text CHECK (length(welcome_text) <= 2000),
    default_text  text CHECK (length(default_text) <= 2000),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
