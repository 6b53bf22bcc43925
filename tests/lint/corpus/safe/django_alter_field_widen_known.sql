-- Django always writes USING "col"::type; for a binary-coercible change it is no rewrite.
-- The current types are known from the file (an earlier AddField of each column).
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE "blog_article" ADD COLUMN "title" varchar(200) NULL;
ALTER TABLE "blog_article" ADD COLUMN "summary" varchar(500) NULL;
COMMIT;
BEGIN;
SET LOCAL lock_timeout = '2s';
--
-- Alter field title on article
--
ALTER TABLE "blog_article" ALTER COLUMN "title" TYPE varchar(300) USING "title"::varchar(300);
ALTER TABLE "blog_article" ALTER COLUMN "summary" TYPE text USING "summary"::text;
COMMIT;
