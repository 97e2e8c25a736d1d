-- Parents of the mini-program, their children and sign-ups. A child's data is sensitive personal
-- information (PIPL art. 28): minimum fields, consent recorded before any of it, erasable.

CREATE TABLE server_secrets (
    name        text PRIMARY KEY,
    value       bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mp_users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    openid         text NOT NULL UNIQUE,
    unionid        text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_login_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mp_users_unionid_idx ON mp_users (unionid) WHERE unionid IS NOT NULL;

-- Our own session for a wx.login code. The token is only stored hashed; session_key never leaves the server.
CREATE TABLE mp_login_sessions (
    token_hash    bytea PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES mp_users (id) ON DELETE CASCADE,
    session_key   text NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL
);
CREATE INDEX mp_login_sessions_user_idx ON mp_login_sessions (user_id);
CREATE INDEX mp_login_sessions_expiry_idx ON mp_login_sessions (expires_at);

CREATE TABLE guardians (
    user_id     bigint PRIMARY KEY REFERENCES mp_users (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 30),
    phone       text NOT NULL CHECK (phone ~ '^1[3-9][0-9]{9}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The guardian's separate consent to processing the children's data, per privacy-notice version.
CREATE TABLE guardian_consents (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id                 bigint NOT NULL REFERENCES mp_users (id) ON DELETE CASCADE,
    privacy_notice_version  text NOT NULL,
    consented_at            timestamptz NOT NULL,
    UNIQUE (user_id, privacy_notice_version)
);

CREATE TABLE children (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id           bigint NOT NULL REFERENCES mp_users (id) ON DELETE CASCADE,
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 30),
    grade             smallint CHECK (grade BETWEEN 0 AND 12),
    birth_year_month  date,
    school            text NOT NULL CHECK (length(school) BETWEEN 1 AND 60),
    gender            text CHECK (gender IN ('male', 'female')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (grade IS NOT NULL OR birth_year_month IS NOT NULL)
);
CREATE INDEX children_user_idx ON children (user_id);

CREATE SEQUENCE signup_waitlist_seq;

-- One row per child per sign-up. Children signed up together form a party (party_id): they are
-- confirmed, waitlisted and promoted together. After a guardian erases their data, user_id and
-- child_id are null and only the anonymous row (counts) remains.
CREATE TABLE signups (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id     bigint NOT NULL REFERENCES sessions (id),
    user_id        bigint REFERENCES mp_users (id) ON DELETE SET NULL,
    child_id       bigint REFERENCES children (id) ON DELETE SET NULL,
    party_id       uuid NOT NULL,
    status         text NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'checked_in')),
    waitlist_seq   bigint,
    created_at     timestamptz NOT NULL,
    promoted_at    timestamptz,
    cancelled_at   timestamptz,
    checked_in_at  timestamptz,
    CHECK ((status = 'waitlisted') = (waitlist_seq IS NOT NULL))
);
CREATE UNIQUE INDEX signups_one_active_per_child ON signups (session_id, child_id)
    WHERE status IN ('confirmed', 'waitlisted', 'checked_in') AND child_id IS NOT NULL;
CREATE INDEX signups_waitlist_idx ON signups (session_id, waitlist_seq) WHERE status = 'waitlisted';
CREATE INDEX signups_user_idx ON signups (user_id, created_at DESC);
CREATE INDEX signups_party_idx ON signups (party_id);

-- What happened to a sign-up, in order: the reminder engine reads 'promoted' and 'session_cancelled'
-- to notify parents; staff see the promotion history.
CREATE TABLE signup_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    signup_id   bigint NOT NULL REFERENCES signups (id) ON DELETE CASCADE,
    session_id  bigint NOT NULL REFERENCES sessions (id),
    kind        text NOT NULL CHECK (kind IN ('confirmed', 'waitlisted', 'promoted', 'cancelled', 'checked_in', 'session_cancelled')),
    created_at  timestamptz NOT NULL,
    notified_at timestamptz
);
CREATE INDEX signup_events_pending_idx ON signup_events (kind, created_at) WHERE notified_at IS NULL;
CREATE INDEX signup_events_signup_idx ON signup_events (signup_id);

-- Subscribe-message grants: one-time templates allow exactly one message per "accept".
CREATE TABLE subscribe_grants (
    user_id      bigint NOT NULL REFERENCES mp_users (id) ON DELETE CASCADE,
    template_id  text NOT NULL,
    balance      integer NOT NULL DEFAULT 0 CHECK (balance >= 0),
    long_term    boolean NOT NULL DEFAULT false,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, template_id)
);

CREATE TABLE subscribe_grant_ledger (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES mp_users (id) ON DELETE CASCADE,
    template_id  text NOT NULL,
    delta        integer NOT NULL,
    reason       text NOT NULL,     -- accept | reject | ban | filter | spent:<delivery> | refunded:<delivery>
    created_at   timestamptz NOT NULL
);
CREATE INDEX subscribe_grant_ledger_user_idx ON subscribe_grant_ledger (user_id, template_id, created_at);
