#!/usr/bin/env bash
# Per-user install of ФРМР Desktop from the unpacked tarball (no root needed):
#   ./install.sh              install or upgrade into ~/.local
#   ./install.sh --uninstall  remove the program (profiles with the encrypted vaults are KEPT)
# Layout: ~/.local/share/frmr-desktop/app/  the bundle
#         ~/.local/bin/frmr-desktop, frmr  symlinks
#         ~/.local/share/applications/frmr-desktop.desktop, ~/.local/share/icons/hicolor/*/apps/frmr-desktop.*
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
bin="$HOME/.local/bin"
dest="$data/frmr-desktop/app"
desktop_file="$data/applications/frmr-desktop.desktop"
icons="$data/icons/hicolor"

refresh_menus() {
    command -v update-desktop-database >/dev/null && update-desktop-database -q "$data/applications" || true
    command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$icons" 2>/dev/null || true
}

if [[ "${1:-}" == "--uninstall" ]]; then
    rm -rf "$dest"
    rm -f "$bin/frmr-desktop" "$bin/frmr" "$desktop_file"
    find "$icons" -name 'frmr-desktop.*' -path '*/apps/*' -delete 2>/dev/null || true
    rmdir "$data/frmr-desktop" 2>/dev/null || true
    refresh_menus
    echo "ФРМР Desktop удалён. Профили и хранилища оставлены на месте (~/.local/share/frmr-desktop/profiles)."
    exit 0
fi

[[ -x "$src/frmr-desktop/frmr-desktop" ]] || { echo "install.sh: запустите из распакованного архива" >&2; exit 1; }

# Replace the previous version atomically enough: copy beside it, then swap.
mkdir -p "$data/frmr-desktop" "$bin" "$data/applications"
rm -rf "$dest.new"
cp -a "$src/frmr-desktop" "$dest.new"
rm -rf "$dest"
mv "$dest.new" "$dest"
ln -sfn "$dest/frmr-desktop" "$bin/frmr-desktop"
ln -sfn "$dest/frmr" "$bin/frmr"

for png in "$src"/icons/frmr-desktop-*.png; do
    size="${png##*/frmr-desktop-}"; size="${size%.png}"
    install -D -m 0644 "$png" "$icons/${size}x${size}/apps/frmr-desktop.png"
done
install -D -m 0644 "$src/icons/frmr-desktop.svg" "$icons/scalable/apps/frmr-desktop.svg"
# Absolute Exec: ~/.local/bin is not on every desktop session's PATH.
sed "s|^Exec=frmr-desktop|Exec=$dest/frmr-desktop|" "$src/frmr-desktop.desktop" > "$desktop_file"
chmod 0644 "$desktop_file"
refresh_menus

echo "ФРМР Desktop $(cat "$src/VERSION" 2>/dev/null || echo) установлен: $dest"
echo "Запуск: пункт «ФРМР — кабинет медицинского работника» в меню или команда frmr-desktop"
case ":$PATH:" in *":$bin:"*) ;; *) echo "Добавьте $bin в PATH, чтобы запускать frmr и frmr-desktop из терминала." ;; esac

# Qt's X11 platform plugin needs these system libraries; the bundle cannot carry them.
if command -v ldconfig >/dev/null; then
    missing=()
    for lib in libxcb-cursor.so.0 libxcb-icccm.so.4 libxcb-keysyms.so.1 libxkbcommon-x11.so.0; do
        ldconfig -p 2>/dev/null | grep -q "$lib" || missing+=("$lib")
    done
    if (( ${#missing[@]} )); then
        echo "Внимание: нет системных библиотек ${missing[*]} — окно не откроется под X11."
        echo "Debian/Ubuntu: sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0"
    fi
fi
"$dest/frmr-desktop" --self-test >/dev/null 2>&1 && echo "Самопроверка пройдена." \
    || echo "Самопроверка не пройдена: запустите «frmr-desktop --self-test» и пришлите вывод в поддержку."
