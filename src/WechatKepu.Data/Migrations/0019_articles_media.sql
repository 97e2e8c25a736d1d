-- Images uploaded to WeChat, articles (图文) kept as drafts and published, and broadcasts that send them.
-- An image for an article's body goes to media/uploadimg (a URL only); a cover, or the image of an image
-- broadcast, to material/add_material (a permanent media_id and its URL).
CREATE TABLE media_assets (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id           text NOT NULL,
    purpose          text NOT NULL CHECK (purpose IN ('body', 'cover')),
    media_id         text,
    url              text NOT NULL,
    file_name        text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200),
    content_type     text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    size_bytes       integer NOT NULL CHECK (size_bytes > 0),
    created_by       bigint,
    created_by_name  text NOT NULL,
    created_at       timestamptz NOT NULL,
    CHECK ((purpose = 'cover') = (media_id IS NOT NULL))
);
CREATE INDEX media_assets_app_idx ON media_assets (app_id, purpose, id DESC);

-- An article: kept here and in the account's draft box (draft/add's media_id), then mass-sent (broadcast kind
-- mpnews) or published (freepublish/submit; PUBLISHJOBFINISH settles publish_status by publish_id).
CREATE TABLE articles (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id              text NOT NULL,
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 32),
    author              text CHECK (length(author) <= 16),
    digest              text CHECK (length(digest) <= 128),
    content             text NOT NULL CHECK (length(content) BETWEEN 1 AND 20000),
    content_source_url  text,
    cover_id            bigint NOT NULL REFERENCES media_assets (id),
    need_open_comment   boolean NOT NULL DEFAULT false,
    draft_media_id      text NOT NULL,
    publish_status      text NOT NULL DEFAULT 'none' CHECK (publish_status IN ('none', 'publishing', 'published', 'failed')),
    publish_id          text,
    publish_error       text,
    published_url       text,
    published_at        timestamptz,
    created_by          bigint,
    created_by_name     text NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL
);
CREATE UNIQUE INDEX articles_publish_idx ON articles (app_id, publish_id) WHERE publish_id IS NOT NULL;

ALTER TABLE broadcasts DROP CONSTRAINT broadcasts_kind_check;
ALTER TABLE broadcasts ADD CONSTRAINT broadcasts_kind_check CHECK (kind IN ('text', 'news', 'template', 'mpnews', 'image'));
ALTER TABLE broadcasts ADD COLUMN article_id bigint REFERENCES articles (id);

ALTER TABLE wechat_receipts DROP CONSTRAINT wechat_receipts_kind_check;
ALTER TABLE wechat_receipts ADD CONSTRAINT wechat_receipts_kind_check
    CHECK (kind IN ('template_send', 'mass_send', 'subscribe_popup', 'subscribe_change', 'subscribe_sent', 'publish'));
