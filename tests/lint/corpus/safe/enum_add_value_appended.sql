-- Appending an enum value is safe; its sort position is a design question, not a migration hazard.
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'archived';
