#!/usr/bin/env bash
# A three-node Cauce cluster on one machine, without containers: 2 web nodes behind HAProxy,
# 3 workers, the local PostgreSQL and RabbitMQ. Each process gets exactly the environment it
# would get on its own machine (see docs/deploy.md for the three-machine layout).
#
#   scripts/multinode.sh start     # create the database/vhost, migrate, start everything
#   scripts/multinode.sh status    # processes, /readyz of each web node, queue depths (cauce jobs status)
#   scripts/multinode.sh stop      # stop the processes this script started (by their pid files)
#
# Settings (environment): MN_DIR (state, logs, keys; default ./.multinode), MN_DB (cauce_multinode),
# MN_PG_ADMIN (postgresql://postgres@127.0.0.1:5432/postgres), MN_PORT (proxy port, 8000),
# MN_VHOST (RabbitMQ vhost, cauce_multinode), MN_AMQP_USER/MN_AMQP_PASSWORD (guest/guest).
# Needs: PostgreSQL and RabbitMQ running locally; haproxy (apt-get install haproxy) for the proxy,
# else the two web nodes are reachable on their own ports only.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
MN_DIR=${MN_DIR:-$ROOT/.multinode}
MN_DB=${MN_DB:-cauce_multinode}
MN_PG_ADMIN=${MN_PG_ADMIN:-postgresql://postgres@127.0.0.1:5432/postgres}
MN_PORT=${MN_PORT:-8000}
MN_VHOST=${MN_VHOST:-cauce_multinode}
MN_AMQP_USER=${MN_AMQP_USER:-guest}
MN_AMQP_PASSWORD=${MN_AMQP_PASSWORD:-guest}
CAUCE=${CAUCE:-$ROOT/.venv/bin/cauce}
PY=${PY:-$ROOT/.venv/bin/python}
WEB_PORTS=(8001 8002)
# Worker roles (CAUCE_JOBS): everyone ingests (stream), polls and sends; the sweeps (SLA, identity,
# retention, audit checkpoints), metric refresh and retraining run on node C, where the audit
# anchor directory lives. Leases make any periodic job run once per interval whoever holds the role.
WORKER_JOBS=("stream,poll,outbox" "stream,poll,outbox" "stream,sweep,metrics,retrain")
NODES=(a b c)

pg_base=${MN_PG_ADMIN%/*}
DB_URL="postgresql+psycopg://${pg_base#postgresql://}/$MN_DB"
BROKER_URL="amqp://$MN_AMQP_USER:$MN_AMQP_PASSWORD@127.0.0.1:5672/$MN_VHOST"

secrets() {
  # Shared by every node (on three machines: distributed by your secrets store, never in git).
  mkdir -p "$MN_DIR"
  if [ ! -f "$MN_DIR/secrets.env" ]; then
    umask 077
    "$PY" - > "$MN_DIR/secrets.env" <<'EOF'
import base64, secrets
print(f"CAUCE_SECRET_KEY={secrets.token_urlsafe(48)}")
print(f"CAUCE_AUDIT_KEY={secrets.token_hex(32)}")
print(f"CAUCE_ENCRYPTION_KEY={base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}")
print(f"CAUCE_METRICS_TOKEN={secrets.token_urlsafe(32)}")
EOF
  fi
  set -a; . "$MN_DIR/secrets.env"; set +a
}

node_env() {  # node_env NODE -> the environment of that node's processes
  local node=$1
  echo CAUCE_DATABASE_URL="$DB_URL" CAUCE_BROKER_URL="$BROKER_URL" CAUCE_LOG_FORMAT=json \
    CAUCE_DATA_DIR="$MN_DIR/node-$node" CAUCE_AUDIT_ANCHOR_DIR="$MN_DIR/node-$node/audit-anchors" \
    CAUCE_AUDIT_SIGNING_KEY_FILE="$MN_DIR/audit-anchor.key" CAUCE_TRUSTED_PROXIES=127.0.0.1 \
    CAUCE_BASE_URL="http://127.0.0.1:$MN_PORT"
}

launch() {  # launch NAME NODE ENV... -- COMMAND...
  local name=$1 node=$2; shift 2
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  # shellcheck disable=SC2046
  env $(node_env "$node") "${envs[@]}" "$@" >> "$MN_DIR/$name.log" 2>&1 &
  echo $! > "$MN_DIR/$name.pid"
  echo "started $name (pid $!, node $node): $*"
}

alive() { [ -f "$MN_DIR/$1.pid" ] && kill -0 "$(cat "$MN_DIR/$1.pid")" 2>/dev/null; }

start() {
  secrets
  mkdir -p "$MN_DIR"/node-{a,b,c}
  # The database and the broker's vhost (idempotent).
  "$PY" - "$MN_PG_ADMIN" "$MN_DB" <<'EOF'
import sys, psycopg
admin, name = sys.argv[1], sys.argv[2]
with psycopg.connect(admin, autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
        conn.execute(f'CREATE DATABASE "{name}"')
EOF
  if command -v rabbitmqctl >/dev/null; then
    rabbitmqctl -q add_vhost "$MN_VHOST" 2>/dev/null || true
    rabbitmqctl -q set_permissions -p "$MN_VHOST" "$MN_AMQP_USER" ".*" ".*" ".*"
  fi
  env $(node_env c) "$CAUCE" db upgrade
  # The anchor signing key: created once, on the node that writes checkpoints (c), kept off the database host.
  [ -f "$MN_DIR/audit-anchor.key" ] || env $(node_env c) "$PY" -c "from cauce.audit import keys; keys.signing_key()"
  for i in 0 1; do
    alive "web$((i + 1))" || launch "web$((i + 1))" "${NODES[$i]}" CAUCE_JOBS=none -- \
      "$CAUCE" serve --host 127.0.0.1 --port "${WEB_PORTS[$i]}"
  done
  for i in 0 1 2; do
    alive "worker$((i + 1))" || launch "worker$((i + 1))" "${NODES[$i]}" CAUCE_JOBS="${WORKER_JOBS[$i]}" \
      CAUCE_WORKER_THREADS=2 CAUCE_METRICS_PORT=$((9101 + i)) -- "$CAUCE" worker
  done
  if command -v haproxy >/dev/null; then
    cat > "$MN_DIR/haproxy.cfg" <<EOF
global
  maxconn 2000
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  # Server-sent events (the live inbox) stay open.
  timeout tunnel 1h
frontend cauce
  bind 127.0.0.1:$MN_PORT
  option forwardfor
  # One id per request, kept when the client sent one; every node logs it (CAUCE_LOG_FORMAT=json).
  unique-id-format %{+X}o\ %ci:%cp_%fi:%fp_%Ts_%rt:%pid
  http-request set-header X-Request-ID %[unique-id] unless { req.hdr(x-request-id) -m found }
  # /metrics is per process: Prometheus scrapes each web node directly, never through the proxy.
  http-request deny deny_status 404 if { path /metrics }
  default_backend web
backend web
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  server web1 127.0.0.1:${WEB_PORTS[0]} check inter 2s
  server web2 127.0.0.1:${WEB_PORTS[1]} check inter 2s
EOF
    haproxy -c -q -f "$MN_DIR/haproxy.cfg"
    alive proxy || { haproxy -f "$MN_DIR/haproxy.cfg" -db >> "$MN_DIR/proxy.log" 2>&1 & echo $! > "$MN_DIR/proxy.pid"; \
      echo "started proxy (pid $(cat "$MN_DIR/proxy.pid")) on http://127.0.0.1:$MN_PORT"; }
  else
    echo "haproxy is not installed: use the web nodes on ${WEB_PORTS[*]} directly"
  fi
  for port in "${WEB_PORTS[@]}"; do
    for _ in $(seq 1 60); do
      curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
      sleep 1
    done
  done
  status
}

status() {
  for name in proxy web1 web2 worker1 worker2 worker3; do
    if alive "$name"; then echo "$name: running (pid $(cat "$MN_DIR/$name.pid"))"; else echo "$name: stopped"; fi
  done
  for port in "${WEB_PORTS[@]}"; do
    printf 'web :%s /readyz: ' "$port"; curl -sS "http://127.0.0.1:$port/readyz" 2>&1 || true; echo
  done
  secrets
  env $(node_env c) "$CAUCE" jobs status 2>/dev/null | head -40 || true
}

stop() {
  for name in proxy web1 web2 worker1 worker2 worker3; do
    if alive "$name"; then
      kill -TERM "$(cat "$MN_DIR/$name.pid")" && echo "stopping $name"
    fi
  done
  for name in proxy web1 web2 worker1 worker2 worker3; do
    for _ in $(seq 1 30); do alive "$name" || break; sleep 0.5; done
    rm -f "$MN_DIR/$name.pid"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|status|stop" >&2; exit 2 ;;
esac
