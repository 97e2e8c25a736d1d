-- topic_template_usable: whether a reminder topic's template can carry its rounds, the one rule behind
-- 订阅, the offer lists, poster scans and the reminder planner (FollowerStore.CanSendSql).
--
-- No template id: never. Until the account's template list has been synced once, the library cannot judge,
-- so a typed id is trusted as before. After that the template must be in the library, not gone from WeChat,
-- and the topic must say what goes into each field WeChat shows, no more, no less.
CREATE OR REPLACE FUNCTION topic_template_usable(p_app_id text, p_template_id text, p_fields jsonb) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_template_id <> '' AND (
        NOT EXISTS (SELECT 1 FROM wechat_template_syncs s
                    WHERE s.app_id = p_app_id AND s.channel = 'oa_template' AND s.synced_at IS NOT NULL)
        OR (jsonb_typeof(p_fields) = 'object' AND EXISTS (
            SELECT 1 FROM wechat_templates w
            WHERE w.app_id = p_app_id AND w.template_id = p_template_id AND w.gone_at IS NULL
              AND w.field_keys <@ ARRAY(SELECT jsonb_object_keys(p_fields))
              AND ARRAY(SELECT jsonb_object_keys(p_fields)) <@ w.field_keys)))
$$;
