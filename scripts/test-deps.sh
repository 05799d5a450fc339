#!/usr/bin/env bash
# What the test suite needs besides node_modules, brought when missing, so that `npm test` (whose
# pretest runs this) passes on a fresh Debian machine with nothing installed by hand: a Redis that
# answers at $REDIS_URL (started here when none does), Chromium for the dashboard test, Mesa's EGL and
# llvmpipe for the GPU tests, promtool and prometheus for the alert-rule and Grafana-panel tests, systemd-analyze
# and haproxy for the deploy/ tests, PostgreSQL (trust on loopback) for the ledger tests. Packages come from Debian's apt (as
# root, or through sudo). Each check is cheap when the thing is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=
apt_install() {
  echo "test-deps: installing $* from Debian's packages"
  if [ -z "$APT_UPDATED" ]; then
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

redis_hostport() {
  local rest="${REDIS_URL#*://}"
  rest="${rest#*@}"
  rest="${rest%%/*}"
  REDIS_HOST="${rest%%:*}"
  REDIS_PORT="${rest##*:}"
  [ "$REDIS_PORT" = "$rest" ] && REDIS_PORT=6379
  [ -n "$REDIS_HOST" ] || REDIS_HOST=127.0.0.1
}

redis_answers() {
  # PING over bash's /dev/tcp: needs neither redis-cli nor node.
  timeout 2 bash -c "exec 3<>/dev/tcp/$REDIS_HOST/$REDIS_PORT && printf 'PING\r\n' >&3 && head -c 5 <&3" 2>/dev/null | grep -q PONG
}

redis_hostport
if ! redis_answers; then
  if ! command -v redis-server >/dev/null 2>&1; then
    apt_install redis-server
  fi
  echo "test-deps: starting redis-server on $REDIS_HOST:$REDIS_PORT"
  redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /tmp --logfile /tmp/powgate-test-redis.log
  for _ in $(seq 1 50); do redis_answers && break; sleep 0.1; done
  redis_answers || { echo "test-deps: redis did not start"; exit 1; }
fi

# The dashboard test drives Debian's Chromium through playwright-core (never a downloaded browser).
CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM_PATH" ]; then
  apt_install chromium
fi

# The GPU tests run the WGSL kernel through Dawn's OpenGL backend on Mesa's software renderer (llvmpipe),
# headless through EGL. Dawn dlopens the unversioned libEGL.so (libegl-dev); Mesa's EGL vendor library
# and swrast_dri.so (llvmpipe) come from libegl-mesa0 and libgl1-mesa-dri.
mesa_ready() {
  ldconfig -p | grep -q 'libEGL\.so ' && ldconfig -p | grep -q 'libEGL_mesa\.so\.0' &&
    ls /usr/lib/*/dri/swrast_dri.so >/dev/null 2>&1
}
if ! mesa_ready; then
  # (GPU code path on the CPU)
  apt_install libegl-dev libegl-mesa0 libgl1-mesa-dri
fi
# The alert rules are unit-tested with promtool (test/ops/prometheus-rules.test.ts), from Debian's prometheus.
PROMTOOL="${PROMTOOL:-promtool}"
if ! command -v "$PROMTOOL" >/dev/null 2>&1; then
  apt_install prometheus
fi

# deploy/ is checked with the real tools: systemd-analyze (the unit), haproxy (the balancer config, and
# three powgate processes behind it on loopback).
deploy_tools=()
command -v systemd-analyze >/dev/null 2>&1 || deploy_tools+=(systemd)
command -v haproxy >/dev/null 2>&1 || deploy_tools+=(haproxy)
if [ "${#deploy_tools[@]}" -gt 0 ]; then
  apt_install "${deploy_tools[@]}"
fi

# The hub tests use a Mosquitto on 127.0.0.1:1883 and start private ones (mosquitto, mosquitto_passwd).
mqtt_answers() { timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/1883' 2>/dev/null; }
if ! command -v mosquitto >/dev/null 2>&1 || ! command -v mosquitto_passwd >/dev/null 2>&1; then
  apt_install mosquitto
fi
if ! mqtt_answers; then
  echo "test-deps: starting mosquitto on 127.0.0.1:1883"
  printf 'listener 1883 127.0.0.1\nallow_anonymous true\npersistence false\n' >/tmp/powgate-test-mosquitto.conf
  mosquitto -d -c /tmp/powgate-test-mosquitto.conf
  for _ in $(seq 1 50); do mqtt_answers && break; sleep 0.1; done
  mqtt_answers || { echo "test-deps: mosquitto did not start"; exit 1; }
fi

# The ledger tests run against PostgreSQL too (test/helpers/databases.ts): a server on 127.0.0.1:5432
# where the postgres superuser gets in without a password (trust on loopback), as CI machines set it up.
# Debian's postgresql package brings a cluster; pg_ctlcluster starts it without systemd.
pg_answers() { timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5432' 2>/dev/null; }
if ! pg_answers; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    apt_install postgresql
  fi
  PG_VERSION="$(ls /etc/postgresql | sort -V | tail -1)"
  PG_HBA="/etc/postgresql/$PG_VERSION/main/pg_hba.conf"
  # Trust for the tests' loopback connections, added once, before the other rules (first match wins).
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$PG_HBA"; then
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust' "$PG_HBA"
  fi
  echo "test-deps: starting PostgreSQL $PG_VERSION on 127.0.0.1:5432"
  as_root pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start || true
  for _ in $(seq 1 100); do pg_answers && break; sleep 0.1; done
  pg_answers || { echo "test-deps: PostgreSQL did not start"; exit 1; }
fi
