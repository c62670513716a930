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
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
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
region_port=$(free_port)
"$root/target/debug/kring-server" --database "sqlite:$work/region.sqlite" --listen "127.0.0.1:$region_port" --seed-demo \
  --smtp-host 127.0.0.1 --smtp-port "$smtp_port" --smtp-security none --smtp-from 'Kring <noreply@kring.test>' \
  >"$work/region.log" 2>&1 &
pids+=($!)
wait_until node -e "fetch('http://127.0.0.1:$region_port/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
export KRING_E2E_REGION_URL="http://127.0.0.1:$region_port" KRING_E2E_MAIL="$work/mail.jsonl"

export KRING_WEBDRIVER_URL="http://127.0.0.1:$port" KRING_APP="$app" KRING_E2E_SHOTS="$root/target/e2e"
status=0
node --test --test-concurrency=1 "$root"/tests/e2e/*.test.mjs || status=$?
if ((status != 0)); then
  echo "--- tauri-driver log ---" >&2
  tail -n 50 "$work/driver.log" >&2 || true
  echo "--- region server log ---" >&2
  tail -n 30 "$work/region.log" >&2 || true
fi
exit "$status"
