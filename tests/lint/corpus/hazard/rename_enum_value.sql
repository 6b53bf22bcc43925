-- expect: MC206
-- squawk: renaming-object
ALTER TYPE order_status RENAME VALUE 'canceled' TO 'cancelled';
