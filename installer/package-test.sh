#!/usr/bin/env bash
# The `package` stage of `installer/bootstrap.sh test`: the Debian packages, for real.
#
#   installer/package-test.sh [BUILD_DIR]    (default: build/ci, or $WARDEN_PACKAGE_BUILD_DIR)
#
# BUILD_DIR is a configured and built tree (CMAKE_INSTALL_PREFIX=/usr, as the ci preset); nothing
# is rebuilt. As root on Debian 12, in this order:
#   1. cpack: the packages (BUILD_DIR/*.deb), and the same build once more with a lower version
#      (<version>~pre1, BUILD_DIR/packages-old/) for the upgrade;
#   2. lintian: no errors (warnings and notes are listed);
#   3. fresh install: apt-get install ./*.deb, wardenctl --version, the system user and folders,
#      wardend started as its unit starts it (user, environment, ExecStart), its JSON API asked
#      for the nodes, stopped; a program built against libwarden-dev; apt-get purge;
#   4. upgrade: the older packages, a network key (wardenctl keygen) named in the conffile and an
#      inventory of schema version 1 (tests/data/inventory/schema-v1.sql); the current packages
#      over them; the key, the configuration change and every row are still there, the first
#      start migrated the schema to the newest version;
#   5. apt-get remove keeps /etc/warden and /var/lib/warden; apt-get purge says so and deletes
#      them.
# Whatever happens, the packages are purged at the end, and the warden user and group are
# deleted if this script created them.
set -euo pipefail

SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly SOURCE_DIR
# A relative BUILD_DIR is relative to the current folder; the default to the source tree.
BUILD_DIR=${1:-${WARDEN_PACKAGE_BUILD_DIR:-$SOURCE_DIR/build/ci}}
BUILD_DIR=$(cd "$BUILD_DIR" 2>/dev/null && pwd -P) || {
    printf 'package-test: no build folder %s\n' "${1:-${WARDEN_PACKAGE_BUILD_DIR:-build/ci}}" >&2
    exit 1
}
readonly BUILD_DIR
cd "$SOURCE_DIR"
readonly OLD_DIR=$BUILD_DIR/packages-old
readonly PACKAGES=(warden libwarden-dev)
readonly API_URL=ws://127.0.0.1:5004
readonly UNIT=/lib/systemd/system/wardend.service
readonly CONF=/etc/warden/wardend.conf
readonly STATE=/var/lib/warden
readonly INVENTORY=$STATE/simulated.sqlite
# How long wardend may take to listen, and the simulated nodes to present themselves: bounds
# for a failure, not measured times.
readonly WAIT_SECONDS=60

say() { printf 'package-test: %s\n' "$*"; }
die() {
    printf 'package-test: FAILED: %s\n' "$*" >&2
    exit 1
}
step() { printf '\n---------- %s ----------\n' "$*"; }
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Use-Pty=0 "$@"; }
installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]; }
known() { dpkg-query -W "$1" >/dev/null 2>&1; }
query() { python3 "$SOURCE_DIR/installer/jsonapi-query.py" "$API_URL" "$1"; }

((EUID == 0)) || die "run as root: it installs and removes Debian packages"
for tool in dpkg-deb apt-get cpack lintian python3 runuser setpriv; do
    command -v "$tool" >/dev/null || die "$tool is missing"
done
[[ -f $BUILD_DIR/CPackConfig.cmake ]] || die "$BUILD_DIR has no CPackConfig.cmake: configure it first"
[[ -x $BUILD_DIR/bin/wardend ]] || die "$BUILD_DIR is not built (no bin/wardend)"
grep -q '^CMAKE_INSTALL_PREFIX:PATH=/usr$' "$BUILD_DIR/CMakeCache.txt" \
    || die "$BUILD_DIR is not configured with CMAKE_INSTALL_PREFIX=/usr (the ci preset is)"
for package in "${PACKAGES[@]}"; do
    known "$package" && die "$package is already installed (or not purged): this test would remove it"
done

WORK=$(mktemp -d -t warden-package-test.XXXXXX)
chmod 0755 "$WORK"
readonly WORK
USER_EXISTED=0
getent passwd warden >/dev/null && USER_EXISTED=1
DAEMON_PID=

cleanup() {
    local rc=$?
    set +e
    if [[ -n $DAEMON_PID ]]; then
        kill -TERM "$DAEMON_PID" 2>/dev/null
        wait "$DAEMON_PID" 2>/dev/null
    fi
    local -a left=()
    local package
    for package in "${PACKAGES[@]}"; do known "$package" && left+=("$package"); done
    if ((${#left[@]} > 0)); then
        say "cleaning up: purging ${left[*]}"
        apt_get purge "${left[@]}" >"$WORK/cleanup.log" 2>&1 || cat "$WORK/cleanup.log"
    fi
    if ((USER_EXISTED == 0)) && getent passwd warden >/dev/null; then
        say "cleaning up: deleting the system user warden this test made"
        # (deluser also mentions that it did not look for crontabs without cron: not a failure.)
        deluser --system --quiet warden >/dev/null 2>&1 || say "could not delete the user warden"
        getent group warden >/dev/null && delgroup --system --quiet warden
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cpack_value() { sed -n "s/^set($1 \"\\(.*\\)\")\$/\\1/p" "$BUILD_DIR/CPackConfig.cmake"; }
VERSION=$(cpack_value CPACK_PACKAGE_VERSION)
RELEASE=$(cpack_value CPACK_DEBIAN_PACKAGE_RELEASE)
[[ -n $VERSION && -n $RELEASE ]] || die "no version in $BUILD_DIR/CPackConfig.cmake"
readonly VERSION RELEASE OLD_VERSION=$VERSION~pre1
readonly CURRENT=$VERSION-$RELEASE OLD=$OLD_VERSION-$RELEASE
SCHEMA=$(sed -n 's/^constexpr int kCurrentVersion = \([0-9]*\);$/\1/p' core/inventory/schema_p.h)
readonly SCHEMA
[[ -n $SCHEMA ]] || die "no kCurrentVersion in core/inventory/schema_p.h"

# --- 1. the packages ---------------------------------------------------------------------------

step "1. cpack: $CURRENT, and $OLD for the upgrade"
rm -f "$BUILD_DIR"/*.deb
rm -rf "$OLD_DIR"
(cd "$BUILD_DIR" && cpack -G DEB) >"$WORK/cpack.log" 2>&1 || { cat "$WORK/cpack.log"; die "cpack"; }
(cd "$BUILD_DIR" && cpack -G DEB -B "$OLD_DIR" -D CPACK_PACKAGE_VERSION="$OLD_VERSION") \
    >"$WORK/cpack-old.log" 2>&1 || { cat "$WORK/cpack-old.log"; die "cpack (older version)"; }
mapfile -t DEBS < <(find "$BUILD_DIR" -maxdepth 1 -name '*.deb' | sort)
mapfile -t OLD_DEBS < <(find "$OLD_DIR" -maxdepth 1 -name '*.deb' | sort)
((${#DEBS[@]} == 2 && ${#OLD_DEBS[@]} == 2)) || die "expected two packages each: ${DEBS[*]} / ${OLD_DEBS[*]}"
for deb in "${DEBS[@]}" "${OLD_DEBS[@]}"; do
    printf '%-60s %8d bytes  %s %s\n' "${deb#"$BUILD_DIR"/}" "$(stat -c %s "$deb")" \
        "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)"
done
dpkg-deb -f "$OLD_DIR"/libwarden-dev_*.deb Depends | grep -qF "warden (= $OLD)" \
    || die "the older libwarden-dev does not depend on warden (= $OLD)"
dpkg-deb -f "$BUILD_DIR"/libwarden-dev_*.deb Depends | grep -qF "warden (= $CURRENT)" \
    || die "libwarden-dev does not depend on warden (= $CURRENT)"
say "warden depends on: $(dpkg-deb -f "$BUILD_DIR"/warden_*.deb Depends)"
# Each file in the package it belongs to (an install() rule without COMPONENT development
# puts a header into warden).
dpkg-deb -c "$BUILD_DIR"/warden_*.deb | awk '{ print $6 }' >"$WORK/warden.files"
dpkg-deb -c "$BUILD_DIR"/libwarden-dev_*.deb | awk '{ print $6 }' >"$WORK/dev.files"
if grep -E '^\./usr/include/|/cmake/|/libwarden-core\.so$' "$WORK/warden.files"; then
    die "development files in the warden package (above): give their install() COMPONENT development"
fi
if grep -vE '^\./usr/(include/|lib/[^/]+/cmake/|lib/[^/]+/libwarden-core\.so$|share/doc/libwarden-dev/)|/$' \
    "$WORK/dev.files"; then
    die "files in libwarden-dev that are not development files (above)"
fi
for path in ./usr/bin/warden ./usr/bin/wardend ./usr/bin/wardenctl ./etc/warden/wardend.conf \
    ./lib/systemd/system/wardend.service ./usr/share/doc/warden/copyright \
    ./usr/share/doc/warden/json-api.md; do
    grep -qxF "$path" "$WORK/warden.files" || die "the warden package has no $path"
done
for path in ./usr/include/warden/engine.h ./usr/share/doc/libwarden-dev/copyright; do
    grep -qxF "$path" "$WORK/dev.files" || die "libwarden-dev has no $path"
done
grep -q '/cmake/Warden/WardenConfig.cmake$' "$WORK/dev.files" || die "libwarden-dev has no WardenConfig.cmake"

# --- 2. lintian --------------------------------------------------------------------------------

step "2. lintian"
lintian_rc=0
lintian --fail-on error --display-info "${DEBS[@]}" >"$WORK/lintian.log" 2>&1 || lintian_rc=$?
cat "$WORK/lintian.log"
say "lintian: $(grep -c '^E: ' "$WORK/lintian.log") errors, $(grep -c '^W: ' "$WORK/lintian.log") warnings, $(grep -c '^I: ' "$WORK/lintian.log") notes"
((lintian_rc == 0)) || die "lintian found errors (exit $lintian_rc)"

# --- helpers for the installed packages --------------------------------------------------------

# Starts wardend as its unit would: the unit's user with its groups (dialout), working folder,
# Environment= and ExecStart=. setpriv, not runuser: like systemd it only changes the ids and
# execs, so $DAEMON_PID is wardend itself and its exit code is wardend's.
start_daemon() {
    local exec_start user
    exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT")
    user=$(sed -n 's/^User=//p' "$UNIT")
    [[ -n $exec_start && -n $user ]] || die "$UNIT has no ExecStart= or User="
    local -a environment=()
    mapfile -t environment < <(sed -n 's/^Environment=//p' "$UNIT" | tr ' ' '\n' | sed '/^$/d')
    local -a command
    read -r -a command <<<"$exec_start"
    for port in 5003 5004; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            die "something already listens on 127.0.0.1:$port: the packaged daemon needs it"
        fi
    done
    say "as the unit starts it: setpriv (user $user) env ${environment[*]} ${command[*]}"
    (cd "$STATE" && exec setpriv --reuid="$user" --regid="$user" --init-groups \
        env "${environment[@]}" "${command[@]}") \
        >"$WORK/wardend.log" 2>&1 &
    DAEMON_PID=$!
}

stop_daemon() {
    kill -TERM "$DAEMON_PID"
    local rc=0
    wait "$DAEMON_PID" || rc=$?
    DAEMON_PID=
    ((rc == 0)) || { cat "$WORK/wardend.log"; die "wardend exited with $rc on SIGTERM"; }
    say "wardend stopped cleanly"
}

# Asks the JSON API for the nodes until the simulated network's five are there (all of $*
# too); leaves the answer in $WORK/nodes.json.
wait_for_nodes() {
    local deadline=$((SECONDS + WAIT_SECONDS)) rc
    while :; do
        kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$WORK/wardend.log"; die "wardend exited"; }
        rc=0
        query '{"id": 1, "method": "nodes"}' >"$WORK/nodes.json" 2>"$WORK/query.log" || rc=$?
        if ((rc == 0)) && python3 - "$WORK/nodes.json" 1 2 3 4 5 "$@" <<'EOF'; then
import json, sys
ids = {node["id"] for node in json.load(open(sys.argv[1]))["result"]["nodes"]}
sys.exit(0 if {int(i) for i in sys.argv[2:]} <= ids else 1)
EOF
            break
        fi
        if ((rc != 0 && rc != 3)); then cat "$WORK/query.log"; die "the JSON API failed"; fi
        if ((SECONDS > deadline)); then
            cat "$WORK/wardend.log" "$WORK/query.log" "$WORK/nodes.json"
            die "no nodes $* 1..5 from the JSON API after $WAIT_SECONDS s"
        fi
        sleep 0.5
    done
    say "JSON API nodes: $(python3 -c 'import json,sys; print(", ".join("%d %s" % (n["id"], n.get("sketchName")) for n in json.load(open(sys.argv[1]))["result"]["nodes"]))' "$WORK/nodes.json")"
}

check_version() {
    local printed
    printed=$(wardenctl --version)
    say "wardenctl --version: $printed"
    [[ $printed == *"$VERSION"* ]] || die "wardenctl --version does not say $VERSION"
    [[ "$(dpkg-query -W -f='${Version}' warden)" == "$1" ]] || die "warden $1 is not installed"
}

readonly WANTS=/etc/systemd/system/multi-user.target.wants/wardend.service
# What an administrator does (systemctl need not talk to a running systemd for this).
enable_service() {
    if command -v systemctl >/dev/null; then
        systemctl enable wardend.service >/dev/null 2>&1
    else
        mkdir -p "$(dirname "$WANTS")" && ln -s "$UNIT" "$WANTS"
    fi
}

sql() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$INVENTORY" "$1"; }

# --- 3. fresh install --------------------------------------------------------------------------

step "3. fresh install of $CURRENT"
apt_get install "${DEBS[@]}" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; die "apt-get install"; }
check_version "$CURRENT"
id -nG warden | tr ' ' '\n' | grep -qx dialout || die "warden is not in the dialout group"
[[ "$(getent passwd warden | cut -d: -f6,7)" == "$STATE:/usr/sbin/nologin" ]] \
    || die "warden's home and shell: $(getent passwd warden)"
[[ "$(stat -c '%U:%G %a' "$STATE")" == "warden:warden 700" ]] || die "$STATE: $(stat -c '%U:%G %a' "$STATE")"
[[ -f $CONF && -f $UNIT ]] || die "$CONF or $UNIT is missing"
[[ ! -e $WANTS ]] || die "the service was enabled on install: the packaged configuration has no gateway"
# (deb-systemd-helper itself only answers dpkg's maintainer scripts.)
[[ -f /var/lib/systemd/deb-systemd-helper-enabled/wardend.service.dsh-also ]] \
    || die "postinst did not record the unit's state (deb-systemd-helper update-state)"
libdir=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
for plugin in serial tcp mqtt simulated; do
    [[ -f /usr/lib/$libdir/warden/links/libwarden_link_$plugin.so ]] \
        || die "no /usr/lib/$libdir/warden/links/libwarden_link_$plugin.so"
done
# Again, as dpkg-reconfigure or an interrupted upgrade would: postinst must be idempotent.
dpkg-reconfigure warden >/dev/null || die "postinst configure a second time"
runuser -u warden -- wardend --config "$CONF" --check-config >"$WORK/check.log" 2>&1 \
    || { cat "$WORK/check.log"; die "the packaged configuration does not check"; }
start_daemon
wait_for_nodes
query '{"id": 2, "method": "statistics"}' >"$WORK/statistics.json" || die "statistics"
grep -q '"mode": "host-gateway"' "$WORK/statistics.json" || die "statistics: not host-gateway"
stop_daemon
[[ "$(stat -c %U "$INVENTORY")" == warden ]] || die "the inventory is not the warden user's"

say "a program built against libwarden-dev (find_package(Warden), Warden::Core)"
mkdir -p "$WORK/consumer"
cat >"$WORK/consumer/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.25)
project(consumer CXX)
set(CMAKE_CXX_STANDARD 20)
find_package(Warden 0.1 REQUIRED)
add_executable(consumer main.cpp)
target_link_libraries(consumer PRIVATE Warden::Core)
EOF
cat >"$WORK/consumer/main.cpp" <<'EOF'
#include <warden/secretbytes.h>
#include <cstdio>
int main()
{
    // The fingerprint of 32 zero bytes, computed by the library.
    const Warden::Result<Warden::SecretBytes> key
            = Warden::SecretBytes::fromHex(QString(64, QLatin1Char('0')), 32);
    if (!key)
        return 1;
    std::printf("%s\n", qPrintable(key->fingerprint()));
    return 0;
}
EOF
(cmake -S "$WORK/consumer" -B "$WORK/consumer/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    && cmake --build "$WORK/consumer/build" && "$WORK/consumer/build/consumer") >"$WORK/consumer.log" 2>&1 \
    || { cat "$WORK/consumer.log"; die "a program against libwarden-dev"; }
core_lib=$(ldd "$WORK/consumer/build/consumer" | awk '/libwarden-core/ { print $3 }')
[[ $core_lib == */"$libdir"/libwarden-core.so.0 ]] || die "the program does not load the packaged library: $core_lib"
grep -qE '^[0-9a-f]{4}(-[0-9a-f]{4}){3}$' "$WORK/consumer.log" || { cat "$WORK/consumer.log"; die "no fingerprint from the program"; }
say "it builds, loads $core_lib and runs (fingerprint $(tail -n 1 "$WORK/consumer.log"))"

apt_get purge "${PACKAGES[@]}" >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; die "apt-get purge"; }
[[ ! -e $STATE && ! -e /etc/warden ]] || die "purge left $STATE or /etc/warden"

# --- 4. upgrade --------------------------------------------------------------------------------

step "4. upgrade from $OLD to $CURRENT"
apt_get install "${OLD_DEBS[@]}" >"$WORK/install-old.log" 2>&1 || { cat "$WORK/install-old.log"; die "apt-get install (older)"; }
check_version "$OLD"
# A network key made with the older wardenctl, named in the conffile (an administrator's change,
# which the upgrade must keep).
runuser -u warden -- sh -c "umask 077 && wardenctl --json keygen >'$STATE/keygen.json'"
python3 - "$STATE/keygen.json" "$STATE/network.key" "$WORK/fingerprint" <<'EOF'
import json, sys
answer = json.load(open(sys.argv[1]))["key"]
key, fingerprint = answer["hex"], answer["fingerprint"]
with open(sys.argv[2], "w") as out:
    out.write(key + "\n")
with open(sys.argv[3], "w") as out:
    out.write(fingerprint)
EOF
rm "$STATE/keygen.json"
chown warden:warden "$STATE/network.key"
chmod 0600 "$STATE/network.key"
FINGERPRINT=$(cat "$WORK/fingerprint")
sed -i 's|^;network_key_file = |network_key_file = |' "$CONF"
grep -q '^network_key_file = ' "$CONF" || die "could not name the key in $CONF"
# The inventory as schema version 1 wrote it, as if the older package's daemon had.
python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).executescript(open(sys.argv[2]).read())' \
    "$INVENTORY" tests/data/inventory/schema-v1.sql
chown warden:warden "$INVENTORY"
[[ "$(sql 'PRAGMA user_version')" == 1 ]] || die "the seeded inventory is not schema version 1"
runuser -u warden -- wardend --config "$CONF" --check-config >"$WORK/check-old.log" 2>&1 \
    || { cat "$WORK/check-old.log"; die "the older wardend refuses the configuration"; }
grep -qF "network key: $FINGERPRINT" "$WORK/check-old.log" \
    || { cat "$WORK/check-old.log"; die "the older wardend does not read the network key"; }
enable_service
[[ -L $WANTS ]] || die "could not enable wardend.service"
KEY_SUM=$(sha256sum "$STATE/network.key")
CONF_SUM=$(sha256sum "$CONF")

apt_get install "${DEBS[@]}" >"$WORK/upgrade.log" 2>&1 || { cat "$WORK/upgrade.log"; die "apt-get install (upgrade)"; }
check_version "$CURRENT"
[[ "$(sha256sum "$STATE/network.key")" == "$KEY_SUM" ]] || die "the upgrade changed the network key file"
[[ "$(sha256sum "$CONF")" == "$CONF_SUM" ]] || die "the upgrade changed $CONF"
[[ "$(sql 'PRAGMA user_version')" == 1 ]] || die "the upgrade itself touched the inventory"
[[ -L $WANTS ]] || die "the upgrade disabled the service the administrator had enabled"
start_daemon
wait_for_nodes 7 9
stop_daemon
# The simulated network never uses a real key (the log says so); --check-config reads it.
runuser -u warden -- wardend --config "$CONF" --check-config >"$WORK/check-new.log" 2>&1 \
    || { cat "$WORK/check-new.log"; die "the new wardend refuses the configuration"; }
grep -qF "network key: $FINGERPRINT" "$WORK/check-new.log" \
    || { cat "$WORK/check-new.log"; die "the new wardend does not read the network key $FINGERPRINT"; }
say "the new wardend reads the network key $FINGERPRINT made before the upgrade"
grep "warden.core.inventory: migrated" "$WORK/wardend.log" || die "wardend did not log a migration"
[[ "$(sql 'PRAGMA user_version')" == "$SCHEMA" ]] || die "the inventory is at schema version $(sql 'PRAGMA user_version'), not $SCHEMA"
[[ "$(sql "SELECT sketch_name || '/' || battery || '/' || serial_hex FROM nodes WHERE id = 7")" == "Weather/88/01234567890abcdef0" ]] \
    || die "node 7 lost its data"
[[ "$(sql 'SELECT revoked FROM nodes WHERE id = 9')" == 1 ]] || die "node 9 is no longer revoked"
[[ "$(sql 'SELECT why FROM revocations WHERE id = 1')" == "stolen from the shed" ]] || die "the revocation is gone"
[[ "$(sql 'SELECT what FROM audit_log WHERE id = 1')" == revoke ]] || die "the audit log lost its first entry"
[[ "$(sql "SELECT count(*) FROM child_values WHERE node = 7")" == 2 ]] || die "node 7 lost its values"
[[ "$(sql "SELECT count FROM verdict_counts WHERE node = 7 AND verdict = 'verified'")" -ge 1234 ]] \
    || die "node 7's verdict counts are gone"
[[ "$(sql "SELECT key_fp FROM key_epochs WHERE epoch = 1 AND scope = 'network'")" == abcd-ef01-2345-6789 ]] \
    || die "the key epoch is gone"
say "after the upgrade: schema version $SCHEMA, nodes 7 and 9, the revocation, the audit log, the key and the configuration are all there"

# --- 5. remove, purge --------------------------------------------------------------------------

step "5. apt-get remove, then purge"
apt_get remove "${PACKAGES[@]}" >"$WORK/remove.log" 2>&1 || { cat "$WORK/remove.log"; die "apt-get remove"; }
installed warden && die "warden is still installed"
[[ -f $CONF && -f $INVENTORY && -f $STATE/network.key ]] || die "remove deleted the configuration or the state"
[[ "$(sha256sum "$CONF")" == "$CONF_SUM" ]] || die "remove changed $CONF"
say "remove kept $CONF, $INVENTORY and $STATE/network.key"
[[ "$(readlink /etc/systemd/system/wardend.service)" == /dev/null ]] || die "remove did not mask the unit"
# libwarden-dev has no conffiles: remove forgot it completely.
apt_get purge warden >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; die "apt-get purge"; }
grep 'warden: purge' "$WORK/purge.log" || die "purge did not say what it deletes"
[[ ! -e $STATE && ! -e /etc/warden ]] || die "purge left $STATE or /etc/warden"
for package in "${PACKAGES[@]}"; do
    known "$package" && die "$package is still known to dpkg after purge"
done
[[ ! -e $WANTS && ! -L $WANTS && ! -L /etc/systemd/system/wardend.service ]] \
    || die "purge left the unit enabled or masked"
say "purge deleted $STATE and /etc/warden, and the unit's enablement"

step "the packages passed"
