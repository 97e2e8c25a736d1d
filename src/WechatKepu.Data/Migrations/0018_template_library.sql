-- The template library (issue 17): the official accounts' templates (get_all_private_template) and the
-- mini-program's subscribe templates (wxaapi/newtmpl/gettemplate), synced from WeChat, so staff choose a
-- template by its title and fill a form made from its fields instead of typing ids and thing1= lines.

-- One row per template an account has (had). A template WeChat no longer lists keeps its row with gone_at
-- set while a topic or notice names it (the console says why that topic cannot send); others are deleted.
CREATE TABLE wechat_templates (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id            text NOT NULL,
    channel           text NOT NULL CHECK (channel IN ('oa_template', 'mp_subscribe')),
    template_id       text NOT NULL,
    title             text NOT NULL,
    content           text NOT NULL,
    example           text NOT NULL DEFAULT '',
    primary_industry  text,
    deputy_industry   text,
    subscribe_type    int,          -- mini-program: 2 one-time, 3 long-term
    fields            jsonb NOT NULL, -- [{key, kind, label, enumValues?}] parsed from content, in content order
    field_keys        text[] NOT NULL, -- the keys WeChat shows (first/remark left out): what a message must fill
    first_seen_at     timestamptz NOT NULL,
    synced_at         timestamptz NOT NULL,
    gone_at           timestamptz,
    UNIQUE (app_id, template_id)
);

-- The last sync of each account's list: until one succeeded the library cannot judge a topic's template.
CREATE TABLE wechat_template_syncs (
    app_id        text NOT NULL,
    channel       text NOT NULL CHECK (channel IN ('oa_template', 'mp_subscribe')),
    synced_at     timestamptz,
    attempted_at  timestamptz NOT NULL,
    error         text,
    PRIMARY KEY (app_id, channel)
);

-- Which content goes into each field of the topic's template: {"thing1": "activity", "time2": "time",
-- "thing3": "place", "thing4": "note", "thing5": "text:线上答题"}. Null: not yet chosen.
ALTER TABLE reminder_topics ADD COLUMN template_fields jsonb;
