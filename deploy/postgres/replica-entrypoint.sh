#!/bin/sh
# postgres-replica: on first start clones the primary (pg_basebackup -R writes standby.signal and
# primary_conninfo), then runs as a hot standby streaming from it. An existing copy just starts and catches up.
set -eu
data=/var/lib/postgresql/data
if [ ! -s "$data/PG_VERSION" ]; then
  until pg_isready -h postgres -p 5432 -q; do echo 'waiting for the primary'; sleep 2; done
  PGPASSWORD=$(cat /run/secrets/replication_password) pg_basebackup -h postgres -U replicator \
    -D "$data" -R -X stream --checkpoint=fast --progress
  chmod 0700 "$data"
fi
# A standby needs max_connections at least as high as the primary's.
exec postgres -c hot_standby=on -c max_connections=300 -c shared_buffers=256MB -c effective_cache_size=768MB
