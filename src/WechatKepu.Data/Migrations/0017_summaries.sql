-- Activity summaries the plan asks for in section 七 (issue 18): each summary campaign (全国科普日, 八桂科普大行动)
-- has a deadline, and each activity of the campaign gets one summary from its organiser, with up to 9 photos.
-- Photos are kept here as bytea (at most 2 MB each): backed up with everything else, the same on every instance,
-- no directory to configure or share.

CREATE TABLE summary_campaigns (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code             text NOT NULL UNIQUE,             -- 'science-day-2024', 'bagui-2024' (seeded from the plan)
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
    -- An activity whose dates overlap the period is in the campaign; its figures count the sessions held in it.
    period_from      date NOT NULL,
    period_to        date NOT NULL,
    deadline         timestamptz NOT NULL,             -- organisers file and edit until then
    sort_order       integer NOT NULL DEFAULT 0,
    updated_by_name  text,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (period_to >= period_from)
);

CREATE TABLE activity_summaries (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id           bigint NOT NULL REFERENCES summary_campaigns (id),
    activity_id           bigint NOT NULL REFERENCES activities (id),
    held_from             date NOT NULL,
    held_to               date NOT NULL,
    -- Entered by hand for an activity without sign-ups; null where it is counted from check-ins and sign-ups.
    participants_entered  integer CHECK (participants_entered BETWEEN 0 AND 10000000),
    body                  text NOT NULL CHECK (length(body) BETWEEN 1 AND 1000),
    filed_by              bigint,
    filed_by_name         text NOT NULL,
    filed_at              timestamptz NOT NULL,
    updated_by_name       text NOT NULL,
    updated_at            timestamptz NOT NULL,
    UNIQUE (campaign_id, activity_id),
    CHECK (held_to >= held_from)
);

CREATE TABLE summary_photos (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    summary_id    bigint NOT NULL REFERENCES activity_summaries (id) ON DELETE CASCADE,
    position      smallint NOT NULL CHECK (position BETWEEN 1 AND 9),
    content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    file_name     text NOT NULL DEFAULT '' CHECK (length(file_name) <= 200),
    content       bytea NOT NULL CHECK (octet_length(content) BETWEEN 1 AND 2097152),
    uploaded_at   timestamptz NOT NULL
);
CREATE INDEX summary_photos_summary_idx ON summary_photos (summary_id, position);

-- Reminders to organisers whose unit has not filed go through the delivery engine.
ALTER TABLE delivery_campaigns DROP CONSTRAINT delivery_campaigns_kind_check;
ALTER TABLE delivery_campaigns ADD CONSTRAINT delivery_campaigns_kind_check
    CHECK (kind IN ('session_reminder', 'waitlist_promoted', 'session_cancelled', 'session_changed', 'topic_round', 'broadcast',
                    'summary_reminder'));

-- The campaign's figures (SummaryStore.ActivitiesAsync): one activity's sessions read their sign-ups and delivered
-- reminders from these alone (index-only), and the whole campaign's reminders count from the smaller index.
CREATE INDEX signups_session_figures_idx ON signups (session_id) INCLUDE (status, promoted_at);
CREATE INDEX deliveries_sent_idx ON deliveries (campaign_id) WHERE status = 'sent';
