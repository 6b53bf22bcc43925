-- expect: MC505
-- squawk: identifier-too-long
-- enable: MC505
CREATE TABLE subscriptions (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint);
CREATE INDEX subscriptions_customer_id_created_at_and_some_more_words_to_make_it_long_idx ON subscriptions (customer_id);
