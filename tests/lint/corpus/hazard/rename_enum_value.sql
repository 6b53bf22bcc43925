-- expect: MC206
ALTER TYPE order_status RENAME VALUE 'canceled' TO 'cancelled';
