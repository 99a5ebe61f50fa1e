#!/bin/sh
# One role and one database per ezh service, each database owned by its role,
# so that no service can read another's tables. The postgres image runs this
# once, when its data directory is empty.
#
#   EZH_DATABASES     services to create (default: the five ezh services)
#   EZH_DB_PASSWORD   password of every service role (the local stack only;
#                     the district's roles come from CloudNativePG)
set -eu

: "${EZH_DATABASES:=auth journal schedule notify reports}"
: "${EZH_DB_PASSWORD:?set EZH_DB_PASSWORD}"

for name in $EZH_DATABASES; do
    psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
        -v name="$name" -v password="$EZH_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'name', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'name') \gexec
SQL
done
