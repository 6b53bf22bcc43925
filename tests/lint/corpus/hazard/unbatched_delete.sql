-- expect: MC118
-- squawk: none
DELETE FROM audit_events;
