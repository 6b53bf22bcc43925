-- expect: MC118
DELETE FROM audit_events;
