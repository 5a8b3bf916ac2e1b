#!/bin/sh
# What the tests need from the system, from Debian's packages: chromium and a Japanese font for the
# browser tests (Playwright drives that chromium through executable_path, so no browser is downloaded),
# and docker-compose for tests/ops, which validates docker-compose.yml (`docker-compose config` needs no
# Docker engine). Installed once, then a no-op.
set -eu
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
fc-list :lang=ja 2>/dev/null | grep -q . || missing="$missing fonts-noto-cjk"
command -v docker-compose >/dev/null 2>&1 || missing="$missing docker-compose"
if [ -z "$missing" ]; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "the tests need: apt-get install$missing (as root)" >&2
    exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
