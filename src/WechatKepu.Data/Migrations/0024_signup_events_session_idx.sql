-- The console's list of a session's notices (`ConsoleStore.EventsSql`: WHERE session_id = … ORDER BY id) read every
-- signup_event without this index: 25–45 ms on the year data set (500,000 events, issue 21), growing with the table.
CREATE INDEX signup_events_session_idx ON signup_events (session_id, id);
