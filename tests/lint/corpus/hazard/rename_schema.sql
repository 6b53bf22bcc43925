-- expect: MC205
-- squawk: renaming-object
ALTER SCHEMA billing RENAME TO invoicing;
