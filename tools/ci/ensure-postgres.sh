#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 with a `test` database (trust auth), as the
# integration tests expect. Starts the machine's cluster when it is installed but stopped.
set -euo pipefail
HOST=${PGHOST_CI:-127.0.0.1}
PORT=${PGPORT_CI:-5432}

ready() { pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1; then
  echo "PostgreSQL client tools are missing; installing Debian's postgresql package" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

if ! ready; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$version" ]; then
    echo "no PostgreSQL cluster is configured on this machine" >&2
    exit 1
  fi
  echo "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do ready && break; sleep 1; done
fi
ready || { echo "PostgreSQL does not answer on $HOST:$PORT" >&2; exit 1; }

if ! psql -h "$HOST" -p "$PORT" -U postgres -tAc "select 1 from pg_database where datname = 'test'" | grep -q 1; then
  psql -h "$HOST" -p "$PORT" -U postgres -c 'create database test' >/dev/null
fi
echo "PostgreSQL ready on $HOST:$PORT"
