-- Notices as WeChat displays them since 2023-05-04 (issue 22) and session changes parents are told of
-- (issue 19): a short name per activity for the 20-character keyword fields, the staff's choice of which
-- template field carries what, and change/cancellation details on the sign-up events.

-- At most 20 characters: what a template keyword or a subscribe-message "thing" field shows whole.
-- '' = none yet (staff-created activities); notices then use the title when it fits.
ALTER TABLE activities ADD COLUMN short_name text NOT NULL DEFAULT '' CHECK (length(short_name) <= 20);

-- 'session_changed': the session's time or venue moved; detail holds what it was ("原定9月21日 09:30").
-- For 'session_cancelled' detail is the reason staff gave.
ALTER TABLE signup_events DROP CONSTRAINT signup_events_kind_check;
ALTER TABLE signup_events ADD CONSTRAINT signup_events_kind_check
    CHECK (kind IN ('confirmed', 'waitlisted', 'promoted', 'cancelled', 'checked_in', 'session_cancelled', 'session_changed'));
ALTER TABLE signup_events ADD COLUMN detail text;

ALTER TABLE delivery_campaigns DROP CONSTRAINT delivery_campaigns_kind_check;
ALTER TABLE delivery_campaigns ADD CONSTRAINT delivery_campaigns_kind_check
    CHECK (kind IN ('session_reminder', 'waitlist_promoted', 'session_cancelled', 'session_changed', 'topic_round', 'broadcast'));

-- Which keyword of a purpose's template carries the activity, the time, the place and the note; a
-- purpose without a row uses the built-in default. '' = the template has no such field.
CREATE TABLE notice_template_fields (
    purpose       text NOT NULL,
    channel       text NOT NULL CHECK (channel IN ('mp_subscribe', 'oa_template')),
    activity_key  text NOT NULL,
    time_key      text NOT NULL,
    place_key     text NOT NULL DEFAULT '',
    note_key      text NOT NULL DEFAULT '',
    updated_by    text,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (purpose, channel)
);
