BEGIN;
CREATE TABLE page_views (
    viewed_at timestamptz NOT NULL,
    page_id bigint NOT NULL,
    visitor uuid
) PARTITION BY RANGE (viewed_at);
CREATE TABLE page_views_2026_01 PARTITION OF page_views FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
CREATE INDEX page_views_page_idx ON page_views (page_id);
COMMIT;
