#!/usr/bin/env bash
# install-deps.sh - install what building and testing ztmmd needs on Debian 12 (run as root).
# Recommends are off, so everything a step needs is named (clang's fuzzer runtime is only a
# recommendation of clang-14).
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps.sh: run as root (or with sudo)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    libyaml-dev \
    build-essential cmake pkg-config git ca-certificates \
    libcurl4-openssl-dev libjson-c-dev libsystemd-dev libcmocka-dev libinih-dev \
    libssl-dev libxml2-dev zlib1g-dev \
    prometheus \
    python3 python3-botocore openssl clang libclang-rt-14-dev systemd util-linux iproute2 procps \
    rsyslog rsyslog-openssl \
    chromium chromium-driver >/dev/null
echo "install-deps.sh: dependencies installed"
