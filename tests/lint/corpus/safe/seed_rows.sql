INSERT INTO roles (name) VALUES ('admin'), ('member') ON CONFLICT DO NOTHING;
