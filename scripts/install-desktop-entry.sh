#!/usr/bin/env bash
# Registers the Kring app as the handler of kring:// links for this user (PAT-3: the HIS button
# opens `kring://launch?…`), by installing a .desktop entry with MimeType=x-scheme-handler/kring.
# Usage: scripts/install-desktop-entry.sh /absolute/path/to/kring-desktop
set -euo pipefail

app="$(realpath "$1")"
root="$(cd "$(dirname "$0")/.." && pwd)"
applications="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
mkdir -p "$applications"
cat >"$applications/kring.desktop" <<ENTRY
[Desktop Entry]
Type=Application
Name=Kring
Comment=Veilig samenwerken rond de patiënt
Exec=$app %u
Icon=$root/icons/128x128.png
Terminal=false
Categories=Office;MedicalSoftware;
MimeType=x-scheme-handler/kring;
ENTRY
if command -v update-desktop-database >/dev/null; then update-desktop-database "$applications"; fi
if command -v xdg-mime >/dev/null; then xdg-mime default kring.desktop x-scheme-handler/kring; fi
