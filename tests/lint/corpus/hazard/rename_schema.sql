-- expect: MC205
ALTER SCHEMA billing RENAME TO invoicing;
