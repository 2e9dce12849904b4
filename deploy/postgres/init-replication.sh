#!/bin/sh
# Runs once, when the primary's volume is first initialised (docker-entrypoint-initdb.d): a role that may only
# stream WAL, with the replication_password secret, and a rule letting the backend network use it.
set -eu
password=$(cat /run/secrets/replication_password)
psql -v ON_ERROR_STOP=1 -v password="$password" --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL
echo 'host replication replicator all scram-sha-256' >> "$PGDATA/pg_hba.conf"
