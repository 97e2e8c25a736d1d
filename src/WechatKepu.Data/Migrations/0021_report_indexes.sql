-- The console's charts select by time (Features/Reports): sign-ups per day, followers gained per day, reminders of
-- the campaigns created in a period, poster scans in a period, and the children checked in per session (attendance).
-- Without these each would read its whole table.

CREATE INDEX signups_created_idx ON signups (created_at);
CREATE INDEX follower_events_gained_idx ON follower_events (at) WHERE kind IN ('subscribe', 'resubscribe', 'unsubscribe');
CREATE INDEX delivery_campaigns_created_idx ON delivery_campaigns (created_at);
CREATE INDEX poster_scans_at_idx ON poster_scans (at);
CREATE INDEX signups_checked_in_idx ON signups (session_id) WHERE status = 'checked_in';
