-- expect: MC117
-- squawk: none
SET lock_timeout = '2s';
CLUSTER orders USING orders_pkey;
