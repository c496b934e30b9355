#!/usr/bin/env bash
# Local backing services for Parley: PostgreSQL, Redis and OpenSearch.
#
#   scripts/services.sh [start]   install what is missing, start, wait, write .env
#   scripts/services.sh stop      stop all three (no error if already stopped)
#   scripts/services.sh status    one line per service; exit 0 only if all are up
#
# Meant for developer machines and CI runners (Debian 12, run as root, no
# systemd). Everything listens on 127.0.0.1 only. Every step is idempotent:
# a second `start` checks, repairs roles/grants, rewrites .env and returns.
#
# Tunables (environment): PARLEY_OPENSEARCH_HOME (engine/data location),
# PARLEY_OPENSEARCH_JAVA_OPTS (heap), PARLEY_OPENSEARCH_TIMEOUT (seconds).
set -euo pipefail
# Make failures inside $(...) abort too, not just print partial output.
shopt -s inherit_errexit

# --- locations ---------------------------------------------------------------

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECT_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
CACHE_DIR="$PROJECT_ROOT/.cache/services"
ENV_FILE="$PROJECT_ROOT/.env"

PG_HOST=127.0.0.1
PG_PORT=5432
PG_DEFAULT_CLUSTER=main
PG_OWNER=parley_owner
PG_APP=parley_app
# Extra databases (space-separated) let several test runs work side by side.
read -r -a PG_EXTRA_DATABASES <<<"${PARLEY_SERVICES_EXTRA_DATABASES:-}"
PG_DATABASES=(parley parley_test "${PG_EXTRA_DATABASES[@]}")
PG_OWNER_PW_FILE="$CACHE_DIR/pg_owner_password"
PG_APP_PW_FILE="$CACHE_DIR/pg_app_password"
PG_READY_TIMEOUT=60

REDIS_HOST=127.0.0.1
REDIS_PORT=6379
REDIS_DIR="$CACHE_DIR/redis"
REDIS_READY_TIMEOUT=30

OS_VERSION=2.19.6
OS_HOST=127.0.0.1
OS_PORT=9200
MAVEN_CENTRAL=https://repo1.maven.org/maven2
# The integ-test distribution is the only OpenSearch build on Maven Central.
# It is the real engine, but ships no modules beyond the transport.
OS_DIST_ARTIFACT="org.opensearch.distribution.integ-test-zip:opensearch:$OS_VERSION:zip"
# Modules of the regular distribution that are published on Maven Central as
# single jars without further dependencies, added back so analysis and
# mappings behave like production: analysis-common brings the language
# analyzers, asciifolding, (edge_)ngram, keyword tokenizer...; mapper-extras
# brings search_as_you_type, scaled_float, rank_feature(s), token_count.
# Each entry: module name, Maven artifactId (group org.opensearch.plugin),
# plugin class, description.
OS_MODULES=(
  "analysis-common|analysis-common|org.opensearch.analysis.common.CommonAnalysisPlugin|Adds built in analyzers to OpenSearch."
  "mapper-extras|mapper-extras-client|org.opensearch.index.mapper.MapperExtrasPlugin|Adds advanced field mappers"
)
OS_DL_DIR="$PROJECT_ROOT/.cache/opensearch/dl"
# OpenSearch refuses to run as root, so it runs as a dedicated system user.
# The checkout may live somewhere that user cannot traverse (e.g. /root is
# 0700), so only the download cache stays in the project; the unpacked engine,
# its data and its logs live in a directory owned by that user instead of
# loosening permissions on the user's home directory.
OS_USER=opensearch
OS_ROOT="${PARLEY_OPENSEARCH_HOME:-/var/lib/parley-opensearch}"
OS_HOME="$OS_ROOT/$OS_VERSION"
OS_DATA="$OS_ROOT/data"
OS_LOGS="$OS_ROOT/logs"
OS_PIDFILE="$OS_ROOT/opensearch.pid"
OS_CLUSTER_NAME=parley
OS_JAVA_OPTS="${PARLEY_OPENSEARCH_JAVA_OPTS:--Xms512m -Xmx1g}"
OS_READY_TIMEOUT="${PARLEY_OPENSEARCH_TIMEOUT:-180}"

APT_UPDATED=0
OS_JAVA_HOME=""

# --- small helpers -----------------------------------------------------------

log() { printf 'services: %s\n' "$*" >&2; }

die() {
  printf 'services: ERROR: %s\n' "$*" >&2
  exit 1
}

# Print the last lines of a log so a failure explains itself in CI output.
show_log_tail() {
  local file="$1" lines="${2:-40}"
  if [[ -r "$file" ]]; then
    printf -- '----- last %s lines of %s -----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2
    printf -- '-----\n' >&2
  fi
}

require_root() {
  [[ "$(id -u)" -eq 0 ]] || die "must run as root (it installs packages and manages system services)"
}

# Serialise concurrent invocations (e.g. parallel make targets) so two runs
# never race on cluster creation, unpacking or .env. Daemons are launched
# with fd 9 closed: an inherited descriptor would keep the lock held forever.
take_lock() {
  mkdir -p "$CACHE_DIR"
  chmod 700 "$CACHE_DIR"
  exec 9>"$CACHE_DIR/.lock"
  flock -w 600 9 || die "another services.sh run holds $CACHE_DIR/.lock"
}

# Poll a check command until it succeeds or the timeout expires.
wait_until() {
  local timeout="$1"
  shift
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 1
  done
}

is_pkg_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# Install Debian packages that are missing; apt-get update runs at most once.
ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    is_pkg_installed "$pkg" || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  local apt_log="$CACHE_DIR/apt.log"
  log "installing ${missing[*]} (apt-get)"
  if ((APT_UPDATED == 0)); then
    apt-get update -qq >"$apt_log" 2>&1 || { show_log_tail "$apt_log"; die "apt-get update failed"; }
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >>"$apt_log" 2>&1 || { show_log_tail "$apt_log"; die "apt-get install ${missing[*]} failed"; }
}

ensure_base_tools() {
  local pkgs=()
  command -v curl >/dev/null || pkgs+=(curl ca-certificates)
  command -v unzip >/dev/null || pkgs+=(unzip)
  ((${#pkgs[@]} == 0)) || ensure_packages "${pkgs[@]}"
}

random_hex() {
  if command -v openssl >/dev/null; then
    openssl rand -hex 16
  else
    head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'
  fi
}

# Print the password stored in a file, creating it (mode 600) on first use.
# Anything that is not a plain alphanumeric token is replaced, because the
# value is embedded in SQL and in connection URLs.
stored_password() {
  local file="$1" pw=""
  [[ -f "$file" ]] && pw="$(tr -d '[:space:]' <"$file")"
  if [[ ! "$pw" =~ ^[A-Za-z0-9]{16,}$ ]]; then
    pw="$(random_hex)"
    (umask 077 && printf '%s\n' "$pw" >"$file")
  fi
  chmod 600 "$file"
  printf '%s' "$pw"
}

# --- PostgreSQL --------------------------------------------------------------

PG_VERSION=""
PG_CLUSTER=""

# Prints nothing (and still succeeds) when no server is installed.
pg_newest_installed_version() {
  local bin
  for bin in /usr/lib/postgresql/*/bin/postgres; do
    if [[ -x "$bin" ]]; then
      basename "$(dirname "$(dirname "$bin")")"
    fi
  done | sort -V | tail -n 1
}

ensure_postgres_installed() {
  if [[ -z "$(pg_newest_installed_version)" ]] || ! command -v pg_lsclusters >/dev/null; then
    ensure_packages postgresql
  fi
  command -v psql >/dev/null || ensure_packages postgresql-client
}

# Find the cluster to use without side effects: the one on our port, else
# PG_DEFAULT_CLUSTER of the newest installed version. Sets PG_VERSION and
# PG_CLUSTER; PG_VERSION alone when that cluster still has to be created.
pg_find_cluster() {
  PG_VERSION=""
  PG_CLUSTER=""
  command -v pg_lsclusters >/dev/null || return 1
  local ver name
  read -r ver name < <(pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p {print $1, $2; exit}') || true
  if [[ -z "${ver:-}" ]]; then
    ver="$(pg_newest_installed_version)"
    name="$PG_DEFAULT_CLUSTER"
    [[ -n "$ver" ]] || return 1
    pg_lsclusters -h 2>/dev/null | awk -v v="$ver" -v c="$name" '$1 == v && $2 == c {f=1} END {exit !f}' || {
      PG_VERSION="$ver"
      return 1
    }
  fi
  PG_VERSION="$ver"
  PG_CLUSTER="$name"
}

pg_ensure_cluster() {
  pg_find_cluster && return 0
  [[ -n "$PG_VERSION" ]] || die "postgresql: no server version installed"
  PG_CLUSTER="$PG_DEFAULT_CLUSTER"
  log "postgresql: creating cluster $PG_VERSION/$PG_CLUSTER"
  # C.UTF-8 always exists on Debian; the caller's locale may not be generated.
  pg_createcluster --locale C.UTF-8 --port "$PG_PORT" "$PG_VERSION" "$PG_CLUSTER" \
    >"$CACHE_DIR/pg_createcluster.log" 2>&1 ||
    { show_log_tail "$CACHE_DIR/pg_createcluster.log"; die "postgresql: pg_createcluster failed"; }
}

pg_is_running() {
  pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" status >/dev/null 2>&1
}

pg_log_file() {
  pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c {print $7}'
}

# Set one postgresql.conf parameter; succeeds (0) only if it had to change.
pg_conf_changed() {
  local key="$1" want="$2" have
  have="$(pg_conftool -s "$PG_VERSION" "$PG_CLUSTER" show "$key" 2>/dev/null || true)"
  [[ "$have" == "$want" ]] && return 1
  pg_conftool "$PG_VERSION" "$PG_CLUSTER" set "$key" "$want" ||
    die "postgresql: could not set $key in the $PG_VERSION/$PG_CLUSTER configuration"
}

# pg_conftool writes an IP address unquoted (it looks numeric), which the
# server rejects, so listen_addresses is edited directly: every active line
# is dropped and one is appended at the end, after include_dir, so a conf.d
# file cannot widen it again.
pg_listen_changed() {
  local conf="/etc/postgresql/$PG_VERSION/$PG_CLUSTER/postgresql.conf"
  local want="listen_addresses = '$PG_HOST'"
  local active
  active="$(grep -E '^[[:space:]]*listen_addresses[[:space:]]*=' "$conf" || true)"
  [[ "$active" == "$want" ]] && return 1
  { sed -i -E '/^[[:space:]]*listen_addresses[[:space:]]*=/d' "$conf" &&
    printf '%s\n' "$want" >>"$conf"; } || die "postgresql: could not update $conf"
}

# Our roles always authenticate with a password over TCP from loopback. The
# line goes first so an existing trust/reject rule cannot shadow it; it is
# limited to our two roles so other users of this server are unaffected.
pg_hba_changed() {
  local hba line
  hba="$(pg_conftool -s "$PG_VERSION" "$PG_CLUSTER" show hba_file 2>/dev/null ||
    echo "/etc/postgresql/$PG_VERSION/$PG_CLUSTER/pg_hba.conf")"
  line="host all $PG_OWNER,$PG_APP $PG_HOST/32 scram-sha-256"
  grep -qxF "$line" "$hba" && return 1
  sed -i -e '1i # parley: password logins for the application roles' -e "1i $line" "$hba" ||
    die "postgresql: could not update $hba"
}

pg_start_cluster() {
  local action="$1" out
  out="$(pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" "$action" 2>&1 9>&-)" || {
    printf '%s\n' "$out" >&2
    show_log_tail "$(pg_log_file)"
    die "postgresql: pg_ctlcluster $PG_VERSION $PG_CLUSTER $action failed"
  }
}

pg_configure_and_start() {
  local need_restart=0 need_reload=0
  pg_listen_changed && need_restart=1
  pg_conf_changed port "$PG_PORT" && need_restart=1
  pg_hba_changed && need_reload=1
  # A disposable cluster for tests and development: durability is traded for
  # speed (the suite empties its tables before every test). Never production.
  pg_conf_changed fsync off && need_reload=1
  pg_conf_changed synchronous_commit off && need_reload=1
  pg_conf_changed full_page_writes off && need_reload=1
  # Ingestion fills tables from empty within seconds (tests, benchmarks, a new
  # deployment): with the default minute between autovacuum rounds the planner
  # keeps the empty table's statistics meanwhile and scans a tenant's whole
  # mentions for each by-id lookup. docs/operations.md recommends the same.
  pg_conf_changed autovacuum_naptime 10s && need_reload=1
  if ! pg_is_running; then
    log "postgresql: starting $PG_VERSION/$PG_CLUSTER"
    pg_start_cluster start
  elif ((need_restart)); then
    log "postgresql: restarting $PG_VERSION/$PG_CLUSTER to apply listen address/port"
    pg_start_cluster restart
  elif ((need_reload)); then
    pg_start_cluster reload
  fi
}

# psql as the postgres superuser over the local socket. cd / because the
# caller's directory may not be readable by the postgres user.
pg_super_psql() {
  (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@")
}

pg_wait_ready() {
  wait_until "$PG_READY_TIMEOUT" pg_isready -q -h "$PG_HOST" -p "$PG_PORT" || {
    show_log_tail "$(pg_log_file)"
    die "postgresql: not accepting connections on $PG_HOST:$PG_PORT after ${PG_READY_TIMEOUT}s"
  }
}

# conf.d files may override postgresql.conf, so check the live values.
pg_check_listen() {
  local live
  live="$(pg_super_psql -tA -c "SELECT current_setting('listen_addresses') || ' ' || current_setting('port')")" ||
    die "postgresql: cannot connect as the postgres superuser over the local socket"
  [[ "$live" == "$PG_HOST $PG_PORT" ]] ||
    die "postgresql: live listen_addresses/port is '$live', expected '$PG_HOST $PG_PORT' (check conf.d overrides)"
}

# Roles and databases. Passwords are re-applied every run so a dropped or
# altered role is repaired; they travel on stdin, never on a command line.
pg_ensure_roles_and_databases() {
  local owner_pw="$1" app_pw="$2" db sql
  sql="SET password_encryption = 'scram-sha-256';
SELECT 'CREATE ROLE $PG_OWNER' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_OWNER') \\gexec
SELECT 'CREATE ROLE $PG_APP' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_APP') \\gexec
ALTER ROLE $PG_OWNER WITH LOGIN NOSUPERUSER PASSWORD '$owner_pw';
-- The runtime role: not superuser, not owner, cannot bypass row-level security.
ALTER ROLE $PG_APP WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT NOREPLICATION PASSWORD '$app_pw';"
  for db in "${PG_DATABASES[@]}"; do
    sql+="
SELECT 'CREATE DATABASE $db OWNER $PG_OWNER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db') \\gexec
ALTER DATABASE $db OWNER TO $PG_OWNER;
GRANT CONNECT ON DATABASE $db TO $PG_APP;"
  done
  printf '%s\n' "$sql" | pg_super_psql -d postgres >/dev/null ||
    die "postgresql: creating roles/databases failed"
}

# Schema ownership and privileges inside one database. Default privileges
# cover tables the owner creates later (migrations); the explicit GRANTs
# repair tables that already exist.
pg_ensure_schema_privileges() {
  local db="$1"
  pg_super_psql -d "$db" >/dev/null <<SQL || die "postgresql: granting privileges in $db failed"
REVOKE ALL ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO $PG_OWNER;
GRANT USAGE, CREATE ON SCHEMA public TO $PG_OWNER;
GRANT USAGE ON SCHEMA public TO $PG_APP;
ALTER DEFAULT PRIVILEGES FOR ROLE $PG_OWNER IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO $PG_APP;
ALTER DEFAULT PRIVILEGES FOR ROLE $PG_OWNER IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO $PG_APP;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO $PG_APP;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO $PG_APP;
SQL
}

# A real TCP password login proves listen address, pg_hba and password agree.
pg_check_login() {
  local user="$1" pw="$2" db="$3"
  local err
  err="$(PGPASSWORD="$pw" PGCONNECT_TIMEOUT=5 psql -X -q -tA -h "$PG_HOST" -p "$PG_PORT" -U "$user" -d "$db" \
    -c 'SELECT 1' 2>&1 >/dev/null)" || {
    printf '%s\n' "$err" >&2
    die "postgresql: password login as $user to $db on $PG_HOST:$PG_PORT failed"
  }
}

start_postgres() {
  ensure_postgres_installed
  pg_ensure_cluster
  pg_configure_and_start
  pg_wait_ready
  pg_check_listen
  local owner_pw app_pw db
  owner_pw="$(stored_password "$PG_OWNER_PW_FILE")"
  app_pw="$(stored_password "$PG_APP_PW_FILE")"
  pg_ensure_roles_and_databases "$owner_pw" "$app_pw"
  for db in "${PG_DATABASES[@]}"; do
    pg_ensure_schema_privileges "$db"
    pg_check_login "$PG_APP" "$app_pw" "$db"
    pg_check_login "$PG_OWNER" "$owner_pw" "$db"
  done
}

stop_postgres() {
  pg_find_cluster || return 0
  pg_is_running || return 0
  log "postgresql: stopping $PG_VERSION/$PG_CLUSTER"
  pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop ||
    die "postgresql: pg_ctlcluster $PG_VERSION $PG_CLUSTER stop failed"
}

postgres_is_up() {
  command -v pg_isready >/dev/null && pg_isready -q -h "$PG_HOST" -p "$PG_PORT"
}

# --- Redis -------------------------------------------------------------------

redis_is_up() {
  command -v redis-cli >/dev/null &&
    [[ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" PING 2>/dev/null)" == PONG ]]
}

ensure_redis_installed() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return 0
  ensure_packages redis-server
}

# No systemd here, so redis-server daemonises itself. Persistence is off:
# the data is disposable and a failed background save would otherwise make
# Redis reject writes.
launch_redis() {
  mkdir -p "$REDIS_DIR"
  chmod 700 "$REDIS_DIR"
  redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --protected-mode yes \
    --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" \
    --save '' --appendonly no >"$REDIS_DIR/launch.log" 2>&1 9>&- || {
    cat "$REDIS_DIR/launch.log" >&2
    show_log_tail "$REDIS_DIR/redis.log"
    die "redis: redis-server failed to launch"
  }
}

start_redis() {
  ensure_redis_installed
  # Whatever already answers PING on the port (ours or a distro service) is kept.
  redis_is_up && return 0
  log "redis: starting on $REDIS_HOST:$REDIS_PORT"
  launch_redis
  wait_until "$REDIS_READY_TIMEOUT" redis_is_up || {
    show_log_tail "$REDIS_DIR/redis.log"
    die "redis: no PONG from $REDIS_HOST:$REDIS_PORT after ${REDIS_READY_TIMEOUT}s"
  }
}

redis_is_down() { ! redis_is_up; }

stop_redis() {
  redis_is_up || return 0
  log "redis: stopping"
  # The server closes the connection on success, which redis-cli may report
  # as an error; the wait below is the real check.
  redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  wait_until 15 redis_is_down || die "redis: still answering on $REDIS_HOST:$REDIS_PORT after SHUTDOWN"
}

# --- OpenSearch --------------------------------------------------------------

opensearch_is_up() {
  curl -fsS -o /dev/null --max-time 5 "http://$OS_HOST:$OS_PORT/" 2>/dev/null
}

opensearch_is_healthy() {
  curl -fsS -o /dev/null --max-time 10 \
    "http://$OS_HOST:$OS_PORT/_cluster/health?wait_for_status=yellow&timeout=5s" 2>/dev/null
}

# Print the pid from the pidfile only if it is still a running OpenSearch
# process (guards against a stale file whose pid was reused).
opensearch_pid() {
  local pid
  [[ -r "$OS_PIDFILE" ]] || return 1
  pid="$(tr -dc '0-9' <"$OS_PIDFILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'org.opensearch.bootstrap.OpenSearch' &&
    printf '%s' "$pid"
}

# Print the major version of a java binary (1 for 1.8-era versions).
java_major() {
  "$1" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print v[1]; exit}'
}

# OpenSearch 2.x needs Java 11..23: it relies on the Security Manager, which
# Java 24 removed, so a newer default java must be skipped.
java_is_supported() {
  local major
  [[ -x "$1/bin/java" ]] || return 1
  major="$(java_major "$1/bin/java")"
  [[ "$major" =~ ^[0-9]+$ ]] && ((major >= 11 && major <= 23))
}

find_java_home() {
  local candidate
  local candidates=("${OPENSEARCH_JAVA_HOME:-}" "${JAVA_HOME:-}")
  command -v java >/dev/null && candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  candidates+=(/usr/lib/jvm/java-17-openjdk-* /usr/lib/jvm/java-21-openjdk-* /usr/lib/jvm/*)
  for candidate in "${candidates[@]}"; do
    [[ -n "$candidate" ]] && java_is_supported "$candidate" && { printf '%s' "$candidate"; return 0; }
  done
  return 1
}

# Sets OS_JAVA_HOME, installing a JRE when no supported one is present.
ensure_java_home() {
  OS_JAVA_HOME="$(find_java_home)" && return 0
  ensure_packages openjdk-17-jre-headless
  OS_JAVA_HOME="$(find_java_home)" ||
    die "opensearch: no Java 11-23 runtime found even after installing openjdk-17-jre-headless"
}

ensure_opensearch_user() {
  id -u "$OS_USER" >/dev/null 2>&1 && return 0
  local group_opt=(--user-group)
  # Reuse a leftover group of that name instead of failing on it.
  getent group "$OS_USER" >/dev/null && group_opt=(--gid "$OS_USER")
  useradd --system "${group_opt[@]}" --no-create-home --home-dir "$OS_ROOT" \
    --shell /usr/sbin/nologin "$OS_USER" || die "opensearch: could not create system user $OS_USER"
}

# Fetch group:artifact:version:ext into OS_DL_DIR (skipped when present) and
# print its path. Maven (local repository cache + checksum checks) when
# available, else plain curl from Maven Central with a sha1 check. The file
# is moved into place only after it tested good, so an interrupted run never
# leaves a truncated archive behind.
fetch_maven_artifact() {
  local coords="$1" group artifact version ext
  IFS=: read -r group artifact version ext <<<"$coords"
  local file="$OS_DL_DIR/$artifact-$version.$ext"
  if [[ ! -s "$file" ]]; then
    mkdir -p "$OS_DL_DIR"
    local tmp dl_log="$OS_DL_DIR/download.log"
    local url="$MAVEN_CENTRAL/${group//.//}/$artifact/$version/$artifact-$version.$ext"
    tmp="$(mktemp -d "$OS_DL_DIR/.download.XXXXXX")"
    log "opensearch: downloading $coords"
    if ! { command -v mvn >/dev/null &&
      (cd "$tmp" && mvn -B -q dependency:copy -Dartifact="$coords" -DoutputDirectory="$tmp") >"$dl_log" 2>&1; }; then
      curl -fsSL --retry 3 -o "$tmp/$artifact-$version.$ext" "$url" >>"$dl_log" 2>&1 &&
        curl -fsSL --retry 3 -o "$tmp/sha1" "$url.sha1" >>"$dl_log" 2>&1 &&
        [[ "$(sha1sum "$tmp/$artifact-$version.$ext" | cut -d' ' -f1)" == "$(cut -c1-40 "$tmp/sha1")" ]] ||
        { rm -rf "$tmp"; show_log_tail "$dl_log"; die "opensearch: download of $coords failed"; }
    fi
    unzip -tqq "$tmp/$artifact-$version.$ext" >/dev/null 2>&1 ||
      { rm -rf "$tmp"; die "opensearch: downloaded $coords is corrupt"; }
    mv "$tmp/$artifact-$version.$ext" "$file"
    rm -rf "$tmp"
  fi
  printf '%s' "$file"
}

# Unpack next to the final location and rename, so OS_HOME is either
# complete (and owned by the service user) or absent.
install_opensearch() {
  [[ -x "$OS_HOME/bin/opensearch" ]] && return 0
  local zip tmp
  zip="$(fetch_maven_artifact "$OS_DIST_ARTIFACT")"
  rm -rf "$OS_ROOT"/.unpack.*
  tmp="$(mktemp -d "$OS_ROOT/.unpack.XXXXXX")"
  unzip -q "$zip" -d "$tmp" || { rm -rf "$tmp"; die "opensearch: unzip of $zip failed"; }
  # The engine writes its keystore into config/, so the user must own it.
  chown -R "$OS_USER:$OS_USER" "$tmp/opensearch-$OS_VERSION"
  rm -rf "$OS_HOME"
  mv "$tmp/opensearch-$OS_VERSION" "$OS_HOME"
  rm -rf "$tmp"
}

# A module is a directory under modules/ holding the jar and a descriptor
# (same fields as the descriptors the distribution ships). It is assembled
# aside and renamed, so a module directory is either complete or absent.
install_opensearch_module() {
  local name="$1" artifact="$2" classname="$3" description="$4"
  local dest="$OS_HOME/modules/$name"
  [[ -f "$dest/plugin-descriptor.properties" ]] && return 0
  local jar tmp
  jar="$(fetch_maven_artifact "org.opensearch.plugin:$artifact:$OS_VERSION:jar")"
  rm -rf "$dest" "$OS_HOME/modules/.$name".*
  tmp="$(mktemp -d "$OS_HOME/modules/.$name.XXXXXX")"
  cp "$jar" "$tmp/"
  cat >"$tmp/plugin-descriptor.properties" <<EOF
description=$description
version=$OS_VERSION
name=$name
classname=$classname
java.version=11
opensearch.version=$OS_VERSION
custom.foldername=
extended.plugins=
has.native.controller=false
EOF
  chmod 755 "$tmp"
  chown -R "$OS_USER:$OS_USER" "$tmp"
  mv "$tmp" "$dest"
}

install_opensearch_modules() {
  local entry name artifact classname description
  for entry in "${OS_MODULES[@]}"; do
    IFS='|' read -r name artifact classname description <<<"$entry"
    install_opensearch_module "$name" "$artifact" "$classname" "$description"
  done
}

prepare_opensearch_dirs() {
  mkdir -p "$OS_ROOT" "$OS_DATA" "$OS_LOGS"
  chown "$OS_USER:$OS_USER" "$OS_ROOT" "$OS_DATA" "$OS_LOGS"
  chmod 750 "$OS_ROOT" "$OS_DATA" "$OS_LOGS"
}

opensearch_log_file() { printf '%s' "$OS_LOGS/$OS_CLUSTER_NAME.log"; }

opensearch_fail() {
  show_log_tail "$OS_LOGS/launch.log" 20
  show_log_tail "$(opensearch_log_file)"
  die "opensearch: $*"
}

# Settings go on the command line so the unpacked distribution stays pristine.
# Single-node discovery skips the production bootstrap checks (vm.max_map_count),
# and the disk watermarks are off so a nearly full CI disk cannot block
# index creation. A clean environment keeps root's HOME and variables out.
# setsid puts the daemon in a session of its own, so it outlives the shell (and
# the job control) that started it.
launch_opensearch() {
  local java_home="$1"
  rm -f "$OS_PIDFILE"
  (cd "$OS_HOME" && setsid runuser -u "$OS_USER" -- env -i \
    PATH=/usr/local/bin:/usr/bin:/bin HOME="$OS_ROOT" LANG=C.UTF-8 \
    OPENSEARCH_JAVA_HOME="$java_home" JAVA_HOME="$java_home" \
    OPENSEARCH_JAVA_OPTS="$OS_JAVA_OPTS" OPENSEARCH_PATH_CONF="$OS_HOME/config" \
    bin/opensearch -d -p "$OS_PIDFILE" \
    -Ecluster.name="$OS_CLUSTER_NAME" \
    -Enode.name="$OS_CLUSTER_NAME-local" \
    -Ediscovery.type=single-node \
    -Enetwork.host="$OS_HOST" \
    -Ehttp.port="$OS_PORT" \
    -Epath.data="$OS_DATA" \
    -Epath.logs="$OS_LOGS" \
    -Ebootstrap.memory_lock=false \
    -Ecluster.routing.allocation.disk.threshold_enabled=false) \
    >"$OS_LOGS/launch.log" 2>&1 9>&- || {
    show_log_tail "$OS_LOGS/launch.log"
    die "opensearch: bin/opensearch failed to launch"
  }
}

# Succeeds when healthy; fails fast if the process died meanwhile.
opensearch_ready_or_dead() {
  opensearch_is_healthy && return 0
  opensearch_pid >/dev/null || opensearch_fail "process exited during startup"
  return 1
}

start_opensearch() {
  # Whatever already serves the port (ours or not) is kept.
  if opensearch_is_up; then
    opensearch_is_healthy || opensearch_fail "$OS_HOST:$OS_PORT answers but cluster is not yellow/green"
    return 0
  fi
  ensure_java_home
  ensure_opensearch_user
  prepare_opensearch_dirs
  install_opensearch
  install_opensearch_modules
  if ! opensearch_pid >/dev/null; then
    log "opensearch: starting $OS_VERSION on $OS_HOST:$OS_PORT (first start can take a minute)"
    launch_opensearch "$OS_JAVA_HOME"
    # With -d the pidfile appears shortly after the launcher returns.
    wait_until 30 opensearch_pid >/dev/null || opensearch_fail "no running process after launch"
  fi
  wait_until "$OS_READY_TIMEOUT" opensearch_ready_or_dead ||
    opensearch_fail "not healthy on $OS_HOST:$OS_PORT after ${OS_READY_TIMEOUT}s"
}

opensearch_is_stopped() { ! opensearch_pid >/dev/null; }

stop_opensearch() {
  local pid
  if ! pid="$(opensearch_pid)"; then
    rm -f "$OS_PIDFILE"
    opensearch_is_up && log "opensearch: $OS_HOST:$OS_PORT is served by a process this script did not start; left running"
    return 0
  fi
  log "opensearch: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_until 60 opensearch_is_stopped; then
    log "opensearch: did not stop after 60s, killing"
    kill -KILL "$pid" 2>/dev/null || true
    wait_until 10 opensearch_is_stopped || die "opensearch: pid $pid survived SIGKILL"
  fi
  rm -f "$OS_PIDFILE"
}

# --- .env and commands -------------------------------------------------------

# Rewritten entirely each run (atomically, mode 600: it holds passwords),
# owned by whoever owns the checkout so a developer who ran this via sudo
# can still read it.
write_env_file() {
  local owner_pw app_pw tmp
  owner_pw="$(stored_password "$PG_OWNER_PW_FILE")"
  app_pw="$(stored_password "$PG_APP_PW_FILE")"
  tmp="$(mktemp "$PROJECT_ROOT/.env.XXXXXX")"
  cat >"$tmp" <<EOF
PARLEY_DATABASE_URL=postgresql+asyncpg://$PG_APP:$app_pw@$PG_HOST:$PG_PORT/parley
PARLEY_DATABASE_OWNER_URL=postgresql+asyncpg://$PG_OWNER:$owner_pw@$PG_HOST:$PG_PORT/parley
PARLEY_TEST_DATABASE_URL=postgresql+asyncpg://$PG_APP:$app_pw@$PG_HOST:$PG_PORT/parley_test
PARLEY_TEST_DATABASE_OWNER_URL=postgresql+asyncpg://$PG_OWNER:$owner_pw@$PG_HOST:$PG_PORT/parley_test
PARLEY_REDIS_URL=redis://$REDIS_HOST:$REDIS_PORT/0
PARLEY_OPENSEARCH_URL=http://$OS_HOST:$OS_PORT
EOF
  chmod 600 "$tmp"
  chown "$(stat -c '%u:%g' "$PROJECT_ROOT")" "$tmp"
  mv "$tmp" "$ENV_FILE"
}

cmd_start() {
  require_root
  take_lock
  ensure_base_tools
  start_postgres
  start_redis
  start_opensearch
  write_env_file
  printf 'services up: postgresql %s/%s on %s:%s, redis on %s:%s, opensearch %s on %s:%s\n' \
    "$PG_VERSION" "$PG_CLUSTER" "$PG_HOST" "$PG_PORT" "$REDIS_HOST" "$REDIS_PORT" \
    "$OS_VERSION" "$OS_HOST" "$OS_PORT"
  printf 'wrote %s (databases parley, parley_test; roles %s, %s)\n' "$ENV_FILE" "$PG_APP" "$PG_OWNER"
}

cmd_stop() {
  require_root
  take_lock
  # Reverse start order: the search engine and cache before the database.
  stop_opensearch
  stop_redis
  stop_postgres
  printf 'services stopped\n'
}

status_line() {
  local name="$1" addr="$2" check="$3"
  if "$check"; then
    printf '%-11s up    %s\n' "$name" "$addr"
  else
    printf '%-11s down  %s\n' "$name" "$addr"
    return 1
  fi
}

cmd_status() {
  local rc=0
  status_line postgresql "$PG_HOST:$PG_PORT" postgres_is_up || rc=3
  status_line redis "$REDIS_HOST:$REDIS_PORT" redis_is_up || rc=3
  status_line opensearch "$OS_HOST:$OS_PORT" opensearch_is_up || rc=3
  return "$rc"
}

usage() {
  printf 'usage: %s [start|stop|status]\n' "$(basename "$0")"
}

main() {
  case "${1:-start}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
