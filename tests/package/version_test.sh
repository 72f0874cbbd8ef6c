#!/bin/sh
# version_test.sh - one version everywhere: project(VERSION) in CMakeLists.txt is the source;
# debian/changelog (which dpkg reads before any build) must name the same, and the built
# programs and installed man pages must print it.
# Usage: version_test.sh VERSION SOURCE_DIR ZTMMD ZTMMCTL MAN_DIR
set -eu
VERSION=$1 SRC=$2 ZTMMD=$3 ZTMMCTL=$4 MAN=$5
fail() { echo "version_test: FAIL: $*" >&2; exit 1; }

# The top entry "ztmmd (0.1.0) ..." or, for a non-native revision, "ztmmd (0.1.0-2) ...".
DEB=$(sed -n '1s/^ztmmd (\([^)]*\)).*/\1/p' "$SRC/debian/changelog")
[ -n "$DEB" ] || fail "cannot read the version of $SRC/debian/changelog"
[ "${DEB%-*}" = "$VERSION" ] ||
    fail "debian/changelog says $DEB, CMakeLists.txt project() says $VERSION: add a changelog entry"
[ "$("$ZTMMD" --version)" = "ztmmd $VERSION" ] || fail "ztmmd --version: $("$ZTMMD" --version)"
[ "$("$ZTMMCTL" --version)" = "ztmmctl $VERSION" ] || fail "ztmmctl --version: $("$ZTMMCTL" --version)"
for page in ztmmctl.1 ztmmd.conf.5 ztmmd.8; do
    grep -q "^\.TH .*\"ztmmd $VERSION\"" "$MAN/$page" || fail "$page does not carry $VERSION"
done
echo "version_test: $VERSION in CMakeLists.txt, debian/changelog ($DEB), both programs, the man pages"
