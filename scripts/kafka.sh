#!/usr/bin/env bash
# Runs the real Apache Kafka broker (KRaft, one node that is broker and controller) from its
# Maven Central jars, so tests and CI talk to a real Kafka without Docker (DESIGN.md §9).
#
#   scripts/kafka.sh start    idempotent: does nothing when a broker already answers on its port
#   scripts/kafka.sh stop     SIGTERM, then waits (bounded) for the JVM to exit
#   scripts/kafka.sh status   exit 0 when the broker answers, 1 otherwise
#
# Environment: TIERNET_CACHE_DIR (default ~/.cache/tiernet) holds the jars and the broker's
# data and logs; TIERNET_KAFKA_START_TIMEOUT_S (default 180) bounds the wait for readiness.
# A second, private broker (the outage tests stop and restart one without touching the shared
# broker on 9092) shares the cached jars and sets all three of:
#   TIERNET_KAFKA_PORT             client listener (default 9092)
#   TIERNET_KAFKA_CONTROLLER_PORT  KRaft controller listener (default 9093)
#   TIERNET_KAFKA_RUN_DIR          data, logs, config and pid file (default <cache>/kafka-<version>/run)
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pom="$script_dir/kafka/pom.xml"
kafka_version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom" | head -n 1)"
if [[ -z "$kafka_version" ]]; then
  echo "kafka.sh: cannot read kafka.version from $pom" >&2
  exit 1
fi

cache_dir="${TIERNET_CACHE_DIR:-$HOME/.cache/tiernet}"
home_dir="$cache_dir/kafka-$kafka_version"
lib_dir="$home_dir/lib"
run_dir="${TIERNET_KAFKA_RUN_DIR:-$home_dir/run}"
data_dir="$run_dir/data"
log_dir="$run_dir/logs"
config_file="$run_dir/server.properties"
log4j_file="$run_dir/log4j2.properties"
pid_file="$run_dir/kafka.pid"
server_log="$log_dir/server.log"
stdout_log="$log_dir/kafka.out"
# Any fixed 22-character base64url id will do: the cluster is formatted once and reused.
cluster_id="dGllcm5ldC1rYWZrYS0xAA"
host="127.0.0.1"
port="${TIERNET_KAFKA_PORT:-9092}"
controller_port="${TIERNET_KAFKA_CONTROLLER_PORT:-9093}"
for value in "$port" "$controller_port"; do
  if [[ ! "$value" =~ ^[1-9][0-9]{0,4}$ ]] || ((value > 65535)); then
    echo "kafka.sh: ports must be integers in 1..65535, got '$value'" >&2
    exit 2
  fi
done
if [[ "$port" == "$controller_port" ]]; then
  echo "kafka.sh: TIERNET_KAFKA_PORT and TIERNET_KAFKA_CONTROLLER_PORT must differ (both $port)" >&2
  exit 2
fi
start_timeout_s="${TIERNET_KAFKA_START_TIMEOUT_S:-180}"
stop_timeout_s=60

log() { echo "kafka.sh: $*" >&2; }

broker_answers() {
  # A TCP connect is enough to tell "someone serves 9092"; the adapter's ping() does the
  # protocol-level check.
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

running_pid() {
  [[ -f "$pid_file" ]] || return 1
  local pid
  pid="$(cat "$pid_file")"
  # A pid file outliving a reboot may name someone else's process by now.
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka' && echo "$pid"
}

now_ms() { date +%s%3N; }

pom_digest() { sha256sum "$pom" | cut -d' ' -f1; }

ensure_jars() {
  # The digest marker is written last, so an interrupted download is redone, and a pom
  # change (new version, new binding) invalidates the cache.
  if [[ -f "$lib_dir/.pom-sha256" && "$(cat "$lib_dir/.pom-sha256")" == "$(pom_digest)" ]]; then
    return 0
  fi
  log "downloading Kafka $kafka_version jars into $lib_dir"
  local staging="$home_dir/lib.partial"
  rm -rf "$staging"
  mkdir -p "$staging"
  mkdir -p "$log_dir"
  if ! mvn -B -f "$pom" dependency:copy-dependencies -Dstyle.color=never \
    -DoutputDirectory="$staging" -DincludeScope=runtime >"$log_dir/mvn.out" 2>&1; then
    tail -n 40 "$log_dir/mvn.out" >&2
    log "downloading the Kafka jars failed (full output: $log_dir/mvn.out)"
    exit 1
  fi
  pom_digest >"$staging/.pom-sha256"
  rm -rf "$lib_dir"
  mv "$staging" "$lib_dir"
}

write_config() {
  mkdir -p "$data_dir" "$log_dir"
  cat >"$config_file" <<EOF
# Written by scripts/kafka.sh; edits are overwritten on the next start.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$host:$controller_port
listeners=PLAINTEXT://$host:$port,CONTROLLER://$host:$controller_port
advertised.listeners=PLAINTEXT://$host:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$data_dir
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
# One node: waiting for more members before the first rebalance only slows tests down.
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
log.retention.hours=24
EOF
  cat >"$log4j_file" <<EOF
# Written by scripts/kafka.sh. The broker log is where readiness is read from.
status = warn
name = tiernet-kafka
appender.server.type = File
appender.server.name = server
appender.server.fileName = $server_log
appender.server.append = false
appender.server.layout.type = PatternLayout
appender.server.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.server.ref = server
# Per-request and state-change chatter would bury the lines an operator needs.
logger.request.name = kafka.request.logger
logger.request.level = warn
logger.state.name = state.change.logger
logger.state.level = warn
logger.clients.name = org.apache.kafka.clients
logger.clients.level = warn
EOF
}

format_storage() {
  if [[ -f "$data_dir/meta.properties" ]]; then
    return 0
  fi
  log "formatting KRaft storage (cluster id $cluster_id)"
  java -cp "$lib_dir/*" -Dlog4j2.configurationFile="$log4j_file" \
    kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$config_file" \
    >"$log_dir/format.out" 2>&1 || {
    cat "$log_dir/format.out" >&2
    log "storage format failed"
    exit 1
  }
}

print_log_tail() {
  for file in "$server_log" "$stdout_log"; do
    if [[ -f "$file" ]]; then
      echo "----- last lines of $file -----" >&2
      tail -n 60 "$file" >&2
    fi
  done
}

start() {
  if broker_answers; then
    log "a broker already answers on $host:$port; nothing to do"
    return 0
  fi
  local started_ms
  started_ms="$(now_ms)"
  local existing
  if existing="$(running_pid)"; then
    # A JVM of ours is alive but not listening: it is starting or wedged. Either way a second
    # one would fight over the data dir, so stop the first.
    log "pid $existing exists but does not answer; stopping it first"
    stop
  fi
  for tool in java mvn; do
    command -v "$tool" >/dev/null 2>&1 || { log "$tool is required (Java 17+ and Maven) but not on PATH"; exit 1; }
  done
  ensure_jars
  write_config
  format_storage
  # Moved aside so the readiness grep cannot match the previous run's "started" line.
  [[ -f "$server_log" ]] && mv -f "$server_log" "$server_log.previous"
  nohup java -Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$log4j_file" \
    -cp "$lib_dir/*" kafka.Kafka "$config_file" >"$stdout_log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$pid_file"
  log "started pid $pid; waiting up to ${start_timeout_s}s for 'Kafka Server started'"
  local deadline=$((SECONDS + start_timeout_s))
  while ((SECONDS < deadline)); do
    if grep -q 'Kafka Server started' "$server_log" 2>/dev/null; then
      local took_ms=$(($(now_ms) - started_ms))
      log "ready on $host:$port; start took $((took_ms / 1000)).$(printf '%03d' $((took_ms % 1000)))s"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      print_log_tail
      log "broker process $pid exited before it was ready"
      exit 1
    fi
    sleep 0.5
  done
  print_log_tail
  log "broker not ready after ${start_timeout_s}s"
  exit 1
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$pid_file"
    if broker_answers; then
      log "a broker answers on $host:$port but was not started by this script; leaving it"
    else
      log "not running"
    fi
    return 0
  fi
  kill -TERM "$pid"
  local deadline=$((SECONDS + stop_timeout_s))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "pid $pid still alive after ${stop_timeout_s}s of SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.5
  done
  rm -f "$pid_file"
  log "stopped pid $pid"
}

status() {
  if broker_answers; then
    local pid
    pid="$(running_pid || echo 'not ours')"
    echo "kafka: up on $host:$port (pid $pid, $home_dir)"
    return 0
  fi
  echo "kafka: down"
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 {start|stop|status}" >&2
    exit 2
    ;;
esac
