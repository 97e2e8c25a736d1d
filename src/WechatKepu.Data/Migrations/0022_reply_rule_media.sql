-- Keyword rules that answer with an image (an uploaded cover image: its permanent media_id) or a news card
-- (one article: title, description, link, picture), besides text.
ALTER TABLE reply_rules
    ADD COLUMN reply_kind       text NOT NULL DEFAULT 'text' CHECK (reply_kind IN ('text', 'image', 'news')),
    ADD COLUMN media_asset_id   bigint REFERENCES media_assets (id),
    ADD COLUMN news_title       text CHECK (length(news_title) BETWEEN 1 AND 64),
    ADD COLUMN news_description text CHECK (length(news_description) <= 120),
    ADD COLUMN news_url         text CHECK (length(news_url) <= 500),
    ADD COLUMN news_pic_url     text CHECK (length(news_pic_url) <= 500),
    ALTER COLUMN reply_text DROP NOT NULL,
    ADD CONSTRAINT reply_rules_kind_fields CHECK (
        CASE reply_kind
            WHEN 'text'  THEN reply_text IS NOT NULL AND media_asset_id IS NULL AND news_title IS NULL
            WHEN 'image' THEN media_asset_id IS NOT NULL AND reply_text IS NULL AND news_title IS NULL
            ELSE news_title IS NOT NULL AND news_url IS NOT NULL AND reply_text IS NULL AND media_asset_id IS NULL
        END);
