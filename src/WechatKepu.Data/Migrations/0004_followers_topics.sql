-- Followers of the official accounts and the reminder topics they subscribe to. Shared by the
-- callback (subscribe/unsubscribe, 订阅/退订 commands), the reminder engine and the staff console.

CREATE TABLE followers (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id              text NOT NULL,
    openid              text NOT NULL,
    unionid             text,
    subscribed          boolean NOT NULL DEFAULT true,
    subscribed_at       timestamptz,                 -- the latest (re-)subscription
    unsubscribed_at     timestamptz,
    first_subscribed_at timestamptz,
    subscribe_scene     text,                        -- WeChat's subscribe_scene from user/info (ADD_SCENE_QR_CODE…)
    qr_scene            text,                        -- our QR code's scene (EventKey qrscene_xxx → xxx)
    language            text,
    remark              text,
    tag_ids             integer[] NOT NULL DEFAULT '{}',
    profile_fetched_at  timestamptz,                 -- user/info filled in by a job
    last_message_at     timestamptz,                 -- opens WeChat's 48 h customer-service window
    not_following_at    timestamptz,                 -- a send answered 43004
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (app_id, openid)
);
CREATE INDEX followers_unionid_idx ON followers (unionid) WHERE unionid IS NOT NULL;
CREATE INDEX followers_subscribed_idx ON followers (app_id, id) WHERE subscribed;
CREATE INDEX followers_tags_idx ON followers USING gin (tag_ids);

-- History: nothing is deleted on unsubscribe.
CREATE TABLE follower_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    follower_id  bigint NOT NULL REFERENCES followers (id),
    kind         text NOT NULL CHECK (kind IN ('subscribe', 'resubscribe', 'unsubscribe', 'scan')),
    qr_scene     text,
    at           timestamptz NOT NULL
);
CREATE INDEX follower_events_follower_idx ON follower_events (follower_id, at);

-- A reminder topic (e.g. the four rounds of 全市居民健康素养线上知识问答 on 健康柳州): followers subscribe
-- with 订阅 <name>; before each round a template message goes to whoever is subscribed at send time.
CREATE TABLE reminder_topics (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id           text NOT NULL,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 30),
    description      text NOT NULL DEFAULT '',
    activity_id      bigint REFERENCES activities (id),
    template_id      text NOT NULL DEFAULT '',       -- official-account template message id
    offset_minutes   integer NOT NULL DEFAULT 1440 CHECK (offset_minutes BETWEEN 0 AND 43200),
    url              text,
    enabled          boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (app_id, name)
);

CREATE TABLE reminder_topic_rounds (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic_id    bigint NOT NULL REFERENCES reminder_topics (id),
    title       text NOT NULL,
    starts_at   timestamptz NOT NULL,
    status      text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reminder_topic_rounds_topic_idx ON reminder_topic_rounds (topic_id, starts_at);

CREATE TABLE topic_subscriptions (
    topic_id         bigint NOT NULL REFERENCES reminder_topics (id),
    follower_id      bigint NOT NULL REFERENCES followers (id),
    subscribed_at    timestamptz NOT NULL,
    unsubscribed_at  timestamptz,
    PRIMARY KEY (topic_id, follower_id)
);
CREATE INDEX topic_subscriptions_active_idx ON topic_subscriptions (topic_id) WHERE unsubscribed_at IS NULL;
