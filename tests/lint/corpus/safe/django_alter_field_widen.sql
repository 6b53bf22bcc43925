-- Django always writes USING "col"::type; for a binary-coercible change it is no rewrite.
BEGIN;
SET LOCAL lock_timeout = '2s';
--
-- Alter field title on article
--
ALTER TABLE "blog_article" ALTER COLUMN "title" TYPE varchar(300) USING "title"::varchar(300);
ALTER TABLE "blog_article" ALTER COLUMN "summary" TYPE text USING "summary"::text;
COMMIT;
