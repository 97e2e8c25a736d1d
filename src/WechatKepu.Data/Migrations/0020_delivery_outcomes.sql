-- Tables stay bounded (issue 21). A delivery row has a purpose while it may still be sent, retried or
-- receipted: WeChat's receipts and our retries are over within days of a campaign's end. Some weeks after a
-- campaign finished (Delivery:RowRetention) the nightly delivery purge moves its rows' outcomes into
-- delivery_outcomes (counts by status, channel and errcode: what the campaign's report and a session's
-- notices show) and deletes the rows, in batches: each batch deletes rows and adds their counts in one
-- statement, so a report counts every row exactly once at any moment, and a purge stopped half-way resumes.
ALTER TABLE delivery_campaigns ADD COLUMN rows_purged_at timestamptz;

-- A campaign has one row per (status, channel, errcode) once its purge is done; a few more while it runs.
CREATE TABLE delivery_outcomes (
    campaign_id  bigint NOT NULL REFERENCES delivery_campaigns (id),
    status       text NOT NULL,
    channel      text NOT NULL,
    errcode      integer,
    count        integer NOT NULL CHECK (count > 0)
);
CREATE INDEX delivery_outcomes_campaign_idx ON delivery_outcomes (campaign_id);
