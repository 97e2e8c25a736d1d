-- The access token every backend instance shares, one row per appId. Refreshes are serialised with an
-- advisory lock (see PostgresAccessTokenStore), not with this row, so readers never wait.
CREATE TABLE wechat_access_tokens (
    app_id              text PRIMARY KEY,
    token               text        NOT NULL,
    expires_at          timestamptz NOT NULL,
    refreshed_at        timestamptz NOT NULL,
    -- WeChat allows force_refresh about 20 times a day, 30 s apart: count them across instances.
    force_refreshed_at  timestamptz,
    force_refresh_day   date,
    force_refresh_count integer     NOT NULL DEFAULT 0
);
