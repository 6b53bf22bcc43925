SET lock_timeout = '2s';
CREATE TABLE IF NOT EXISTS book_reviews (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    book_id bigint NOT NULL REFERENCES books (id),
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS book_reviews_book_id_idx ON book_reviews (book_id);
