-- expect: MC109
-- squawk: changing-column-type
-- The current types are not in the file: each change is free only from a binary-compatible type,
-- so MC109 warns that it may rewrite (the safe twin, with the types known, is safe/django_alter_field_widen_known.sql).
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE "blog_article" ALTER COLUMN "title" TYPE varchar(300) USING "title"::varchar(300);
ALTER TABLE "blog_article" ALTER COLUMN "summary" TYPE text USING "summary"::text;
COMMIT;
