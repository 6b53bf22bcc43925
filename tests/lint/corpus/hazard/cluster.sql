-- expect: MC117
SET lock_timeout = '2s';
CLUSTER orders USING orders_pkey;
