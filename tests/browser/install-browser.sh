#!/bin/sh
# What the browser tests need from the system: Debian's chromium (driven by Playwright through
# executable_path, so no browser is downloaded) and a Japanese font. Installed once, then a no-op.
set -eu
if command -v chromium >/dev/null 2>&1 && fc-list :lang=ja 2>/dev/null | grep -q .; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "the browser tests need: apt-get install chromium fonts-noto-cjk (as root)" >&2
    exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
