#!/bin/sh
# Runs once, when the MySQL container creates its data directory: a
# migration user with DDL rights (and the right to grant) and an app user
# with nothing yet — `starcard migrate -grant-to` gives it what the app
# needs and no UPDATE/DELETE on the ledger and audit tables.
set -eu
mysql -uroot -p"$MYSQL_ROOT_PASSWORD" <<SQL
CREATE USER 'starcard_migrate'@'%' IDENTIFIED BY '${STARCARD_MIGRATE_PASSWORD}';
GRANT ALL PRIVILEGES ON \`${MYSQL_DATABASE}\`.* TO 'starcard_migrate'@'%' WITH GRANT OPTION;
CREATE USER 'starcard_app'@'%' IDENTIFIED BY '${STARCARD_APP_PASSWORD}';
SQL
