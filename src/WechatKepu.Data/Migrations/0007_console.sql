-- The staff console: staff accounts with lockout, the audit log of every write and export, and
-- broadcasts to followers with their per-recipient results.

CREATE TABLE staff_accounts (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username          text NOT NULL CHECK (username ~ '^[A-Za-z0-9_.-]{2,40}$'),
    display_name      text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 40),
    role              text NOT NULL CHECK (role IN ('admin', 'organiser', 'viewer')),
    unit              text,                            -- an organiser's unit, as named in the plan
    password_hash     text NOT NULL,                   -- ASP.NET Core PasswordHasher (PBKDF2)
    openid            text,                            -- the member's own official-account openid, for previews
    failed_count      integer NOT NULL DEFAULT 0,
    locked_until      timestamptz,
    disabled          boolean NOT NULL DEFAULT false,
    last_login_at     timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (role <> 'organiser' OR unit IS NOT NULL)
);
CREATE UNIQUE INDEX staff_accounts_username_idx ON staff_accounts (lower(username));

-- Who did what: every write and every export. staff_id is not a foreign key so that the log outlives
-- accounts (and records sign-in attempts for names that do not exist).
CREATE TABLE staff_audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL,
    staff_id     bigint,
    staff_name   text NOT NULL,
    action       text NOT NULL,          -- session.create, signup.checkin, export.session, broadcast.send…
    target       text,                   -- session:12, activity:3, broadcast:7
    detail       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX staff_audit_log_at_idx ON staff_audit_log (at DESC);

CREATE TABLE broadcasts (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id           text NOT NULL,
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 64),
    kind             text NOT NULL CHECK (kind IN ('text', 'news', 'template')),
    content          jsonb NOT NULL,      -- text | {title, description, url, picUrl} | {templateId, data, page}
    audience         text NOT NULL CHECK (audience IN ('all', 'tag', 'topic', 'session')),
    audience_ref     bigint,              -- tag id, topic id or session id
    status           text NOT NULL DEFAULT 'draft' CHECK (status IN
                     ('draft', 'scheduled', 'sending', 'awaiting_confirmation', 'sent', 'completed', 'failed', 'cancelled')),
    scheduled_at     timestamptz,
    started_at       timestamptz,
    finished_at      timestamptz,
    msg_id           bigint,              -- mass sendall's msg_id
    msg_data_id      bigint,
    error            text,
    campaign_id      bigint REFERENCES delivery_campaigns (id),   -- template broadcasts go through the delivery engine
    -- MASSSENDJOBFINISH counts, when WeChat reports them.
    total_count      integer,
    filter_count     integer,
    sent_count       integer,
    error_count      integer,
    created_by       bigint,
    created_by_name  text NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CHECK ((audience = 'all') = (audience_ref IS NULL))
);
CREATE INDEX broadcasts_status_idx ON broadcasts (status, scheduled_at);
CREATE INDEX broadcasts_msg_idx ON broadcasts (app_id, msg_id) WHERE msg_id IS NOT NULL;

-- Per-recipient results of text sent to a list (a topic's subscribers, a session's parents) by mass/send;
-- template broadcasts keep theirs in the delivery engine's rows.
CREATE TABLE broadcast_recipients (
    broadcast_id  bigint NOT NULL REFERENCES broadcasts (id),
    openid        text NOT NULL,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    errcode       integer,
    sent_at       timestamptz,
    PRIMARY KEY (broadcast_id, openid)
);
