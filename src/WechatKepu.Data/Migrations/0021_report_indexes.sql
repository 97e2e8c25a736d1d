-- The console's charts select by time (Features/Reports): sign-ups per day, followers gained per day, reminders of
-- the campaigns created in a period, and poster scans in a period.
-- Without these each would read its whole table. Attendance, the event day (今日场次) and the session lists read a
-- session's sign-ups by session_id whatever their status, which the partial indexes of 0003 do not cover.

CREATE INDEX signups_created_idx ON signups (created_at);
CREATE INDEX follower_events_gained_idx ON follower_events (at) WHERE kind IN ('subscribe', 'resubscribe', 'unsubscribe');
CREATE INDEX delivery_campaigns_created_idx ON delivery_campaigns (created_at);
CREATE INDEX poster_scans_at_idx ON poster_scans (at);
CREATE INDEX signups_session_idx ON signups (session_id);
