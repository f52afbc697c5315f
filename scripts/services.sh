#!/usr/bin/env bash
# The real servers tests and CI use (DESIGN.md §1): MariaDB and Redis from the machine's
# packages, Kafka through scripts/kafka.sh.
#
#   scripts/services.sh up       start whatever is down, wait until each answers
#   scripts/services.sh down     stop Kafka only: the machine's MariaDB and Redis are shared
#   scripts/services.sh status   report all three; exit 1 if any is down
#
# Exits non-zero naming the service that failed.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
wait_timeout_s="${TIERNET_SERVICE_START_TIMEOUT_S:-60}"

log() { echo "services.sh: $*" >&2; }
fail() {
  log "FAILED: $1"
  exit 1
}

mariadb_answers() {
  if command -v mysqladmin >/dev/null 2>&1; then
    mysqladmin ping -h127.0.0.1 -uroot --connect-timeout=2 >/dev/null 2>&1
  elif command -v mariadb >/dev/null 2>&1; then
    mariadb -h127.0.0.1 -uroot --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1
  else
    return 1
  fi
}

redis_answers() {
  command -v redis-cli >/dev/null 2>&1 && [[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" == "PONG" ]]
}

# Polls `check` once a second, at most `wait_timeout_s` times.
wait_until() {
  local name="$1" check="$2" attempt
  for ((attempt = 0; attempt < wait_timeout_s; attempt++)); do
    if "$check"; then return 0; fi
    sleep 1
  done
  fail "$name did not answer within ${wait_timeout_s}s"
}

apt_updated=false
install_packages() {
  # Only for a machine that lacks the servers altogether; the usual machine has them.
  if [[ "$apt_updated" == false ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || fail "apt-get update"
    apt_updated=true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || fail "apt-get install $*"
}

mariadb_up() {
  if mariadb_answers; then
    log "mariadb: up"
    return 0
  fi
  if [[ ! -x /usr/sbin/mariadbd ]]; then
    log "mariadb: not installed; installing mariadb-server"
    install_packages mariadb-server
  fi
  log "mariadb: starting"
  # mariadbd needs its socket directory, which a fresh container's tmpfs may lack.
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || fail "mariadb (start-stop-daemon)"
  wait_until mariadb mariadb_answers
  log "mariadb: up"
}

redis_up() {
  if redis_answers; then
    log "redis: up"
    return 0
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    log "redis: not installed; installing redis-server"
    install_packages redis-server
  fi
  log "redis: starting"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || fail "redis (redis-server)"
  wait_until redis redis_answers
  log "redis: up"
}

kafka_up() {
  "$script_dir/kafka.sh" start || fail "kafka (scripts/kafka.sh start)"
}

status() {
  local down=0
  if mariadb_answers; then echo "mariadb: up on 127.0.0.1:3306"; else echo "mariadb: down"; down=1; fi
  if redis_answers; then echo "redis: up on 127.0.0.1:6379"; else echo "redis: down"; down=1; fi
  "$script_dir/kafka.sh" status || down=1
  return "$down"
}

case "${1:-}" in
  up)
    mariadb_up
    redis_up
    kafka_up
    ;;
  down) "$script_dir/kafka.sh" stop ;;
  status) status ;;
  *)
    echo "usage: $0 {up|down|status}" >&2
    exit 2
    ;;
esac
