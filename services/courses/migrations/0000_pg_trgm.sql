-- Trigram operator classes for the course search indexes (`q=`, ILIKE '%…%').
CREATE EXTENSION IF NOT EXISTS pg_trgm;
