#!/usr/bin/env bash
# Installs what `make run` / `make test` need and is missing, on Debian or Ubuntu. Idempotent and
# quiet when everything is there. Usage: scripts/install-deps.sh run|test
set -euo pipefail

mode="${1:-run}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

# Building and running the desktop app (Tauri 2 on WebKitGTK 4.1).
packages=(build-essential pkg-config file libwebkit2gtk-4.1-dev libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev nodejs npm
  # kring:// links from the HIS: the .desktop handler registration (PAT-3).
  xdg-utils desktop-file-utils)
if [ "$mode" = "test" ]; then
  # A real PostgreSQL for the store tests, a virtual display, WebKit's WebDriver for the
  # end-to-end tests, ImageMagick for their screenshots, a D-Bus session bus for single-instance,
  # poppler's pdftotext and pdfinfo to read the referral letter as a reader would (REF-4).
  packages+=(postgresql webkit2gtk-driver xvfb xauth imagemagick dbus poppler-utils)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
# Node.js may come from elsewhere than Debian (nvm, NodeSource): accept a working node + npm.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for package in "${missing[@]}"; do
    case "$package" in nodejs|npm) ;; *) filtered+=("$package") ;; esac
  done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  echo "Rust is not installed. Install it with rustup (https://rustup.rs), then run make again." >&2
  exit 1
fi

# PyNaCl (libsodium) is the independent implementation the crypto interop tests compare with.
if [ "$mode" = "test" ] && ! python3 -c 'import nacl' 2>/dev/null; then
  echo "Installing PyNaCl for the crypto interop tests"
  if [ "$(command -v python3)" = /usr/bin/python3 ]; then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-nacl
  else
    python3 -m pip install --quiet --disable-pip-version-check pynacl
  fi
fi

# pydifact (an EDIFACT parser, not in Debian) is the independent reader the MEDVRI tests read
# Kring's HIS messages back with (CHAT-6). Pinned: the test adapts one of its parser methods.
pydifact_version="0.2.3"
if [ "$mode" = "test" ] && ! python3 -c "import importlib.metadata as m; assert m.version('pydifact') == '$pydifact_version'" 2>/dev/null; then
  echo "Installing pydifact $pydifact_version for the MEDVRI reader tests"
  if ! python3 -m pip --version >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-pip
  fi
  # Debian's own python3 is marked externally managed; pydifact is pure Python and conflicts with
  # no Debian package.
  python3 -m pip install --quiet --disable-pip-version-check "pydifact==$pydifact_version" \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "pydifact==$pydifact_version"
fi

if [ "$mode" = "test" ] && ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "Installing tauri-driver (WebDriver bridge for the desktop end-to-end tests)"
  cargo install tauri-driver --locked --quiet
fi
