#!/usr/bin/env bash
# install-deps.sh - install what building and testing ztmmd needs on Debian 12 (run as root).
# Usage: install-deps.sh            everything: the build, the test suite, CI's extra steps
#        install-deps.sh --build    the build alone: compiler, CMake, pkg-config, -dev libraries
#        install-deps.sh --package  the build plus what dpkg-buildpackage and lintian need
# Recommends are off, so everything a step needs is named (clang's fuzzer runtime is only a
# recommendation of clang-14).
set -euo pipefail

MODE=${1:---all}
case $MODE in
--all | --build | --package) ;;
*)
    echo "usage: install-deps.sh [--build | --package]" >&2
    exit 2
    ;;
esac
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps.sh: run as root (or with sudo)" >&2
    exit 1
fi

# The build: C compiler and make, CMake, pkg-config, the libraries' headers (libcurl's only:
# it is loaded at run time; libcurl4 comes with its -dev package).
BUILD=(gcc libc6-dev make cmake pkg-config
    libcurl4-openssl-dev libjson-c-dev libsystemd-dev libinih-dev libssl-dev libxml2-dev
    zlib1g-dev libyaml-dev)
# dpkg-buildpackage -b (which wants build-essential), its unit tests (debian/control's
# Build-Depends beyond the build's) and lintian.
PACKAGE=(build-essential dpkg-dev debhelper libcmocka-dev python3 lintian)
# The test suite and CI beyond those: the integration tests' servers, browser and
# real systemd, formatting and fuzzing (clang), git for tests/package, botocore (AWS's own
# service models and parsers, which the AWS fixtures are checked with).
TEST=(git ca-certificates prometheus openssl clang python3-botocore
    libclang-rt-14-dev systemd util-linux iproute2 procps rsyslog rsyslog-openssl
    chromium chromium-driver)

case $MODE in
--build) PKGS=("${BUILD[@]}") ;;
--package) PKGS=("${BUILD[@]}" "${PACKAGE[@]}") ;;
--all) PKGS=("${BUILD[@]}" "${PACKAGE[@]}" "${TEST[@]}") ;;
esac

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${PKGS[@]}" >/dev/null
echo "install-deps.sh: dependencies installed (${MODE#--})"
