-- Activities of the campaign plan and their sessions (the things parents sign children up for).

CREATE TABLE activities (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code                text NOT NULL UNIQUE,            -- the plan's numbering, e.g. "5.1.2"
    category            text NOT NULL CHECK (category IN ('主场活动', '重点活动', '各单位特色活动', '系列联合行动')),
    sort_order          integer NOT NULL DEFAULT 0,
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    time_text           text NOT NULL,                   -- the time range as the plan words it
    starts_on           date NOT NULL,
    ends_on             date NOT NULL,
    venue               text NOT NULL,
    districts           text[] NOT NULL DEFAULT '{}',
    host_units          text[] NOT NULL DEFAULT '{}',    -- 主办单位
    organiser_units     text[] NOT NULL DEFAULT '{}',    -- 承办单位
    co_organiser_units  text[] NOT NULL DEFAULT '{}',    -- 协办单位
    description         text NOT NULL DEFAULT '',
    audience            text NOT NULL DEFAULT '',
    accepts_signups     boolean NOT NULL DEFAULT false,
    from_seed           boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on >= starts_on)
);

CREATE INDEX activities_category_idx ON activities (category, sort_order);
CREATE INDEX activities_dates_idx ON activities (starts_on, ends_on);
CREATE INDEX activities_districts_idx ON activities USING gin (districts);

CREATE TABLE sessions (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id         bigint NOT NULL REFERENCES activities (id),
    code                text UNIQUE,                     -- set for seeded sessions, so seeding is idempotent
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    starts_at           timestamptz NOT NULL,
    ends_at             timestamptz NOT NULL,
    venue               text NOT NULL,
    capacity            integer NOT NULL CHECK (capacity >= 0),
    waitlist_capacity   integer NOT NULL DEFAULT 0 CHECK (waitlist_capacity >= 0),
    signup_opens_at     timestamptz NOT NULL,
    signup_closes_at    timestamptz NOT NULL,
    cancel_deadline     timestamptz NOT NULL,
    min_grade           smallint CHECK (min_grade BETWEEN 0 AND 12),   -- 0 幼儿园, 1..9 一年级..九年级, 10..12 高一..高三
    max_grade           smallint CHECK (max_grade BETWEEN 0 AND 12),
    min_age             smallint CHECK (min_age BETWEEN 0 AND 18),
    max_age             smallint CHECK (max_age BETWEEN 0 AND 18),
    status              text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'cancelled')),
    is_sample           boolean NOT NULL DEFAULT false,
    -- Maintained by the sign-up transaction while it holds the session's row lock.
    confirmed_count     integer NOT NULL DEFAULT 0 CHECK (confirmed_count >= 0),
    waitlist_count      integer NOT NULL DEFAULT 0 CHECK (waitlist_count >= 0),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CHECK (signup_closes_at > signup_opens_at),
    CHECK (confirmed_count <= capacity),
    CHECK (min_grade IS NULL OR max_grade IS NULL OR min_grade <= max_grade),
    CHECK (min_age IS NULL OR max_age IS NULL OR min_age <= max_age)
);

CREATE INDEX sessions_activity_idx ON sessions (activity_id, starts_at);
CREATE INDEX sessions_starts_idx ON sessions (starts_at) WHERE status = 'open';
