-- The official account's custom menu and the poster QR codes (issue 17).

-- The menu as staff edit it (buttons naming commands, keyword rules, pages: our shape, not WeChat's),
-- and when it was last published with menu/create (null: saved but not accepted by WeChat, or deleted).
CREATE TABLE official_menus (
    app_id         text PRIMARY KEY,
    buttons        jsonb NOT NULL,
    updated_at     timestamptz NOT NULL,
    updated_by     bigint,
    published_at   timestamptz,
    publish_error  text
);

-- A code printed on a poster: an official-account QR code (qrcode/create; a scan follows the account and
-- tells us the scene) or a mini-program code (getwxacodeunlimit; opens the session's page).
CREATE TABLE poster_codes (
    id           bigint PRIMARY KEY,
    app_id       text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('qr_permanent', 'qr_temporary', 'wxacode')),
    activity_id  bigint NOT NULL REFERENCES activities (id),
    session_id   bigint REFERENCES sessions (id),
    scene        text NOT NULL CHECK (length(scene) BETWEEN 1 AND 64),
    ticket       text,
    url          text,
    page         text,
    image        bytea,
    expires_at   timestamptz,
    created_by   bigint,
    created_at   timestamptz NOT NULL,
    UNIQUE (app_id, scene)
);
CREATE SEQUENCE poster_codes_id_seq OWNED BY poster_codes.id;
CREATE INDEX poster_codes_activity_idx ON poster_codes (activity_id);

-- One row per scan of a QR code (subscribe with qrscene_…, or SCAN from a follower); the callback's
-- once-only claim makes each event count once.
CREATE TABLE poster_scans (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code_id       bigint NOT NULL REFERENCES poster_codes (id),
    openid        text NOT NULL,
    new_follower  boolean NOT NULL,
    at            timestamptz NOT NULL
);
CREATE INDEX poster_scans_code_idx ON poster_scans (code_id);
