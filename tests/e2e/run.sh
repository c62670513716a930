#!/usr/bin/env bash
# Desktop end-to-end tests: the real app binary in a virtual X display, driven by WebDriver
# (tauri-driver in front of WebKitWebDriver). Called by `make test`; expects the app built.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
app="${KRING_APP:-$root/target/debug/kring-desktop}"
driver="${TAURI_DRIVER:-$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")}"
work=$(mktemp -d)
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # The region servers and the notification recorder name the work dir in their arguments: none
  # may outlive the run. (Processes that do not, such as the drivers, end with their pid above.)
  local left
  left=$(pgrep -af -- "$work" | grep -v pgrep || true)
  if [ -n "$left" ]; then
    echo "processes left running after the end-to-end tests:" >&2
    echo "$left" >&2
    pkill -f -- "$work" || true
    status=1
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# Wait (up to 30 s) until a command succeeds: a condition, not a fixed pause.
wait_until() {
  local deadline=$((SECONDS + 30))
  until "$@"; do
    if ((SECONDS > deadline)); then echo "timed out waiting for: $*" >&2; return 1; fi
    sleep 0.1
  done
}

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# A display of our own; -displayfd writes its number once it accepts clients.
Xvfb -displayfd 3 -screen 0 1280x820x24 -nolisten tcp 3>"$work/display" 2>"$work/xvfb.log" &
pids+=($!)
wait_until test -s "$work/display"
export DISPLAY=":$(cat "$work/display")"

# A fresh user: the app's data dir (embedded server database, cache) starts empty.
export HOME="$work/home" XDG_DATA_HOME="$work/home/.local/share" XDG_CONFIG_HOME="$work/home/.config"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
export WEBKIT_DISABLE_COMPOSITING_MODE=1 LIBGL_ALWAYS_SOFTWARE=1
# A session bus of our own: the app is single-instance over D-Bus (a second start forwards its
# kring:// link to the running window), as on a desktop.
dbus-daemon --session --nofork --nopidfile --print-address=4 4>"$work/dbus" 2>"$work/dbus.log" &
pids+=($!)
wait_until test -s "$work/dbus"
export DBUS_SESSION_BUS_ADDRESS="$(head -n1 "$work/dbus")"
# kring:// links open the app, as `make run` registers it.
"$root/scripts/install-desktop-entry.sh" "$app"
# The secure session locks after this many idle seconds, so the auto-lock test need not wait 15 min.
export KRING_IDLE_LOCK_SECONDS=12

port=$(free_port)
native_port=$(free_port)
"$driver" --port "$port" --native-port "$native_port" --native-driver /usr/bin/WebKitWebDriver >"$work/driver.log" 2>&1 &
pids+=($!)
wait_until node -e "fetch('http://127.0.0.1:$port/status').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

# A region's own server for the staff test: real SMTP to a sink process, whose messages (one JSON
# line each) the test reads for login codes and the activation link.
mkfifo "$work/sink-in"
"$root/target/debug/smtp-sink" <"$work/sink-in" >"$work/mail.jsonl" 2>"$work/sink.log" &
pids+=($!)
exec 5>"$work/sink-in" # the sink runs until this closes
wait_until grep -q listening "$work/mail.jsonl"
smtp_port=$(head -n1 "$work/mail.jsonl" | node -e 'process.stdin.on("data",d=>console.log(JSON.parse(d).listening))')
# Start a region server on a fresh demo database; its URL goes into the variable named $2; further
# arguments go to the server. (Not in a $(...) subshell: its pid must reach `pids`, so cleanup
# ends it.)
start_region() {
  local name=$1 var=$2 port
  shift 2
  port=$(free_port)
  "$root/target/debug/kring-server" --database "sqlite:$work/$name.sqlite" --listen "127.0.0.1:$port" --seed-demo \
    --smtp-host 127.0.0.1 --smtp-port "$smtp_port" --smtp-security none --smtp-from 'Kring <noreply@kring.test>' "$@" \
    >"$work/$name.log" 2>&1 &
  pids+=($!)
  wait_until node -e "fetch('http://127.0.0.1:$port/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
  printf -v "$var" 'http://127.0.0.1:%s' "$port"
}
# The staff test's region, and one for the patients/HIS test whose practice has a HIS bridge
# registered the way a region operator does it.
start_region region region_url
"$root/target/debug/kring-his-launch" new-key --out "$work/bridge.key" >"$work/bridge.pub"
"$root/target/debug/kring-server" --database "sqlite:$work/his.sqlite" --seed-demo \
  register-his-bridge --id delinde-medicom --practice-agb 01051234 --public-key "$(cat "$work/bridge.pub")" >>"$work/his.log" 2>&1
start_region his his_url
export KRING_E2E_REGION_URL="$region_url" KRING_E2E_HIS_REGION_URL="$his_url" KRING_E2E_MAIL="$work/mail.jsonl"
export KRING_E2E_BRIDGE_KEY="$work/bridge.key" KRING_HIS_LAUNCH="$root/target/debug/kring-his-launch"

# The referrals test's region: the POH-GGZ gets her login code by SMS, so this server texts through
# the SMS provider's API, played by a local stand-in that writes what it is sent to a file.
node "$root/tests/e2e/sms-gateway.mjs" "$work/texts.jsonl" e2e-sms-key >"$work/sms.port" 2>"$work/sms.log" &
pids+=($!)
wait_until test -s "$work/sms.port"
start_region referrals referrals_url --sms-url "http://127.0.0.1:$(cat "$work/sms.port")/messages" --sms-api-key e2e-sms-key
export KRING_E2E_REFERRALS_REGION_URL="$referrals_url" KRING_E2E_TEXTS="$work/texts.jsonl"
# The consultations test's region, texting through the same stand-in.
start_region consultations consultations_url --sms-url "http://127.0.0.1:$(cat "$work/sms.port")/messages" --sms-api-key e2e-sms-key
export KRING_E2E_CONSULTATIONS_REGION_URL="$consultations_url"

# A second workstation for the conversation test (CHAT-11): its own home, its own session bus with
# a notification server that records what it is asked to show, and its own tauri-driver, so two
# app instances (two users) run side by side against one region server.
start_region chat chat_url
mkdir -p "$work/home-b/.local/share" "$work/home-b/.config"
dbus-daemon --session --nofork --nopidfile --print-address=4 4>"$work/dbus-b" 2>"$work/dbus-b.log" &
pids+=($!)
wait_until test -s "$work/dbus-b"
bus_b="$(head -n1 "$work/dbus-b")"
DBUS_SESSION_BUS_ADDRESS="$bus_b" "$root/target/debug/notification-recorder" --log "$work/notifications-b.jsonl" \
  >"$work/recorder-b.log" 2>&1 &
pids+=($!)
wait_until grep -q ready "$work/recorder-b.log"
port_b=$(free_port)
native_port_b=$(free_port)
HOME="$work/home-b" XDG_DATA_HOME="$work/home-b/.local/share" XDG_CONFIG_HOME="$work/home-b/.config" \
  DBUS_SESSION_BUS_ADDRESS="$bus_b" \
  "$driver" --port "$port_b" --native-port "$native_port_b" --native-driver /usr/bin/WebKitWebDriver >"$work/driver-b.log" 2>&1 &
pids+=($!)
wait_until node -e "fetch('http://127.0.0.1:$port_b/status').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
export KRING_E2E_CHAT_REGION_URL="$chat_url" KRING_WEBDRIVER_URL_B="http://127.0.0.1:$port_b"
export KRING_E2E_NOTIFICATIONS_B="$work/notifications-b.jsonl"

export KRING_WEBDRIVER_URL="http://127.0.0.1:$port" KRING_APP="$app" KRING_E2E_SHOTS="$root/target/e2e"
mkdir -p "$KRING_E2E_SHOTS"
status=0
# All tests, or the files named on the command line (while working on one).
tests=("$@")
if ((${#tests[@]} == 0)); then tests=("$root"/tests/e2e/*.test.mjs); fi
node --test --test-concurrency=1 "${tests[@]}" || status=$?
if ((status != 0)); then
  echo "--- tauri-driver log ---" >&2
  tail -n 50 "$work/driver.log" >&2 || true
  for name in region his chat referrals consultations; do
    echo "--- $name server log ---" >&2
    tail -n 30 "$work/$name.log" >&2 || true
  done
fi
exit "$status"
