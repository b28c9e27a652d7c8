# Tools/board's update scenario: remote updates on the board, driven from the host.
# Sourced by Tools/board, never run.
#
# The host runs the centre (`edge-centre serve --fleet`, mutual TLS on 127.0.0.1, which
# the guest reaches as 10.0.2.2 over QEMU's user network) and makes the board's disk: an
# ext4 image holding the slots with release 1.0.0 installed and committed, the config, the
# PKI and the release key (Board/README.md, "Slots"). Three boots share that disk:
#   update        2.0.0 published → fetched, switched to, committed, reported;
#                 2.1.0, whose daemon crashes at start → rolled back by the boot check
#                 after 3 starts, reported, 2.0.0 records again;
#                 2.2.0, which runs but never gets healthy → rolled back at the end of its
#                 60 s probation, reported, 2.0.0 records again;
#   update-cut    3.0.0 published before the boot; QEMU is killed (a power cut) the moment
#                 the daemon says it has switched to it;
#   update-after  the next power-on: a working slot starts, 3.0.0 ends committed.
# The guest side is Board/qemu-x86_64/scenarios.sh (update_board, supervise). Each step's
# verdict goes to RESULTS/update/steps ("ok|fail WHAT: DETAIL"); judge_update reads them
# and checks the chain of custody, on the board's disk and at the centre.

# Per boot: the host's waits in `update` add up to 1360 s at worst (typically 270).
declare -A UPDATE_LIMIT=([update]=1500 [update-cut]=300 [update-after]=300)

# update_prepare: the centre, the PKI, five signed releases, the disk; 1.0.0 published.
update_prepare() {
    U=$work/update
    rm -rf "$U"
    mkdir -p "$U/bin" "$results/gateways" "$results/update"
    # The centre is a host tool: the debug build Tools/test made (built here if missing or old).
    swift build --product edge-centre >"$U/build.log" 2>&1 || update_fatal "cannot build edge-centre: $(grep -m3 error: "$U/build.log")"
    CENTRE=$(swift build --show-bin-path)/edge-centre
    EDGE_PKI_SERVER_SAN="IP:10.0.2.2,IP:127.0.0.1" Tools/pki "$U/pki" board >/dev/null || update_fatal "Tools/pki failed"
    "$CENTRE" release keygen --output "$U/release.key" >/dev/null || update_fatal "release keygen failed"

    # What the releases hold: the board's binaries, or a daemon that crashes at start, or
    # the real daemon told to use a camera that is not there (it never gets healthy).
    for b in edge-recorderd edgectl; do strip -o "$U/bin/$b" ".build-board/release/$b"; done
    printf '#!/bin/sh\necho "cannot start: a bad build" >&2\nexit 1\n' >"$U/crash-daemon"
    cat >"$U/broken-daemon" <<'SH'
#!/bin/sh
for a in "$@"; do [ "${prev:-}" = --config ] && config=$a; prev=$a; done
sed 's|/dev/video0|/dev/video-missing|' "$config" >"$config.broken"
exec "$(dirname "$0")/edge-recorderd.real" "$@" --config "$config.broken"
SH
    chmod 755 "$U/crash-daemon" "$U/broken-daemon"
    update_sign 1.0.0 1 "$U/bin/edge-recorderd" "$U/bin/edgectl"
    update_sign 2.0.0 2 "$U/bin/edge-recorderd" "$U/bin/edgectl"
    update_sign 2.1.0 2 "bin/edge-recorderd=$U/crash-daemon" "$U/bin/edgectl"
    update_sign 2.2.0 2 "bin/edge-recorderd=$U/broken-daemon" "bin/edge-recorderd.real=$U/bin/edge-recorderd" "$U/bin/edgectl"
    update_sign 3.0.0 3 "$U/bin/edge-recorderd" "$U/bin/edgectl"

    "$CENTRE" serve --listen 127.0.0.1:0 --store "$U/store" --ca "$U/pki/ca.pem" --cert "$U/pki/server.pem" \
        --key "$U/pki/server.key" --gateways "$results/gateways" --fleet "$U/fleet" 2>"$U/centre.log" &
    CENTRE_PID=$!
    trap update_cleanup EXIT
    local port="" i
    for i in $(seq 1 100); do
        port=$(grep -oE "127\.0\.0\.1:[0-9]+" "$U/centre.log" | head -1 | cut -d: -f2 || true)
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || update_fatal "edge-centre serve did not start: $(cat "$U/centre.log")"

    # The disk: /opt (slots), /etc (config, board name, release key, PKI), /state.
    local tree=$U/tree
    mkdir -p "$tree/opt/slots" "$tree/etc/pki" "$tree/state"
    echo qemu-x86_64 >"$tree/etc/board"
    cp "$U/release.key.pub" "$tree/etc/release.pub"
    cp "$U/pki/ca.pem" "$U/pki/board.pem" "$U/pki/board.key" "$tree/etc/pki/"
    local recipients=""
    [ -s "$results/recipient" ] && recipients="\"recipients\": [\"$(cat "$results/recipient")\"],"
    cat >"$tree/etc/config.json" <<JSON
{"gateway": "board", "stateDirectory": "/data/state", "segmentSeconds": 2, $recipients
 "cameras": [{"id": "cam", "source": "v4l2", "device": "/dev/video0", "width": 640, "height": 480, "fps": 25,
              "pixelFormat": "GREY", "jpegQuality": 80, "stallSeconds": 3}],
 "uplink": {"destinations": [{"name": "centre", "url": "https://10.0.2.2:$port", "caFile": "/data/etc/pki/ca.pem",
                              "certFile": "/data/etc/pki/board.pem", "keyFile": "/data/etc/pki/board.key"}]}}
JSON
    local where=(--root "$tree/opt" --etc-dir "$tree/etc" --state-dir "$tree/state")
    "$U/bin/edgectl" update install "${where[@]}" "$U/1.0.0.tar" >"$U/install.log" 2>&1 &&
        "$U/bin/edgectl" update commit "${where[@]}" >>"$U/install.log" 2>&1 ||
        update_fatal "cannot install 1.0.0 on the board's disk: $(cat "$U/install.log")"
    mkfs.ext4 -q -F -L edge-board -d "$tree" "$U/disk.img" 512M >/dev/null || update_fatal "mkfs.ext4 -d failed"
    BOOT_DEVICES="-drive file=$U/disk.img,if=virtio,format=raw -netdev user,id=net0 -device virtio-net-pci,netdev=net0"
    # The fleet runs 1.0.0; gateways ask every 60 s (the shortest interval allowed).
    update_publish 1.0.0
    echo "centre on 127.0.0.1:$port (10.0.2.2:$port from the board); releases in $U"
}

update_sign() { # VERSION SECURITY FILES...
    local version=$1 security=$2
    shift 2
    "$CENTRE" release sign --key "$U/release.key" --version "$version" --security-version "$security" \
        --board qemu-x86_64 --output "$U/$version.tar" "$@" >/dev/null || update_fatal "release sign $version failed"
}
update_publish() { # VERSION
    "$CENTRE" release publish --fleet "$U/fleet" --key "$U/release.key.pub" --gateway board --poll-seconds 60 \
        "$U/$1.tar" >/dev/null || update_fatal "release publish $1 failed"
}
update_fatal() { echo "FAIL: board: update: $*" >&2; exit 1; }
# The centre and any update boot still running (Tools/board's EXIT trap while the scenario runs).
update_cleanup() {
    [ -n "${CENTRE_PID:-}" ] && kill "$CENTRE_PID" 2>/dev/null
    local pidfile
    for pidfile in "$results"/update*/qemu.pid; do
        [ -s "$pidfile" ] && kill -KILL "$(cat "$pidfile")" 2>/dev/null
    done
    return 0
}

# What the centre knows of the board: its `fleet status` line.
fleet_line() { "$CENTRE" fleet status --fleet "$U/fleet" 2>/dev/null | grep "^board " || true; }
# guest_log BOOT PATTERN: daemon lines of that boot (every start) holding PATTERN.
guest_log() { cat "$results/$1"/daemon-*.log 2>/dev/null | grep -F -- "$2" || true; }
# newest_log BOOT: the log of the boot's latest daemon start.
newest_log() { ls -v "$results/$1"/daemon-*.log 2>/dev/null | tail -n 1 || true; }

# until_true SECONDS COMMAND...: polls every 0.5 s; false after SECONDS or when QEMU ended
# (then BOARD_ENDED says so, and step names it rather than the step's own failure).
until_true() {
    local deadline=$((SECONDS + $1))
    shift
    while ! "$@"; do
        if ! kill -0 "$UPDATE_BOOT" 2>/dev/null; then BOARD_ENDED=1; return 1; fi
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.5
    done
}
BOARD_ENDED=0
fleet_says() { fleet_line | grep -qF -- "$1"; }
guest_says() { [ -n "$(guest_log "$1" "$2")" ]; }
# records_again BOOT N: the latest start (the Nth or later) has sealed a segment.
records_again() { [ "$(starts "$1")" -ge "$2" ] && grep -q "segment closed" "$(newest_log "$1")"; }

step() { # ok|fail WHAT DETAIL
    local detail=$3
    [ "$1" = fail ] && [ "$BOARD_ENDED" = 1 ] && detail="the board had stopped before (QEMU ended: its limit, a crash?); $detail"
    echo "$1 $2: $detail" >>"$results/update/steps"
    echo "  board: update: $1 $2: $detail"
}
starts() { ls "$results/$1"/daemon-*.log 2>/dev/null | wc -l || true; }
# wall_time BOOT PATTERN: the guest's wall clock (seconds) of the first daemon line holding PATTERN.
wall_time() {
    local stamp
    stamp=$(guest_log "$1" "$2" | head -n 1 | cut -d' ' -f2 || true)
    [ -n "$stamp" ] && date -d "$stamp" +%s.%N
}

update_boot() { # SCENARIO: in the background; UPDATE_BOOT is its pid
    # In a subshell: a QEMU killed on purpose is not reported as a killed job.
    (boot "$kernel/vmlinux" "$work/initrd.cpio" "$results" "$1" "${UPDATE_LIMIT[$1]}" "$accel") &
    UPDATE_BOOT=$!
}
update_stop() { # SCENARIO: the guest stops the daemon and powers off
    touch "$results/$1/stop"
    wait "$UPDATE_BOOT" || true
}

run_update() {
    local t0 t1 n
    update_prepare
    # 1. A good release, a crashing one, one that never gets healthy.
    update_boot update
    mkdir -p "$results/update"
    if ! until_true 180 fleet_says "runs 1.0.0"; then
        step fail "start" "the board never reported 1.0.0 to the centre (fleet: '$(fleet_line)')"
    elif ! until_true 60 guest_says update "segment closed"; then
        step fail "start" "1.0.0 sealed no segment"
    else
        t0=$(date +%s.%N)
        update_publish 2.0.0
        if until_true 300 fleet_says "committed 2.0.0"; then
            t1=$(date +%s.%N)
            # Publish → switched (the next poll, the download, the checks, the install) and
            # switched → committed (restart, probation), from the guest's log times.
            echo "$(calc "$t1 - $t0" 1) $(calc "$(wall_time update "release 2.0.0 from the centre installed") - $t0" 1) $(calc "$(wall_time update "release 2.0.0 committed") - $(wall_time update "release 2.0.0 from the centre installed")" 1) $(stat -c %s "$U/2.0.0.tar")" \
                >"$results/update/good"
            step ok "good release" "$(fleet_line | cut -c1-60)"
        else
            step fail "good release" "2.0.0 not committed within 300 s of its publication (fleet: '$(fleet_line)')"
        fi
        n=$(starts update)
        update_publish 2.1.0
        if until_true 300 fleet_says "rolled-back 2.1.0" && until_true 60 records_again update $((n + 4)) &&
            grep -q "release 2.1.0 was rolled back: it did not prove itself in 3 starts" "$results/update/boot.log"; then
            step ok "crashing release" "$(grep -m1 -o "release 2.1.0 was rolled back.*" "$results/update/boot.log" | cut -c1-70)"
        else
            step fail "crashing release" "2.1.0 not rolled back with 2.0.0 recording again (fleet: '$(fleet_line)'); see $results/update/boot.log"
        fi
        n=$(starts update)
        update_publish 2.2.0
        # Its one start ran until the deadline and stopped itself (exit 75) to roll back.
        if until_true 400 fleet_says "rolled-back 2.2.0" && until_true 60 records_again update $((n + 2)) &&
            grep -q "release 2.2.0 rolled back: not proven within 60 s" "$results/update/daemon-$((n + 1)).log" &&
            grep -q "^[0-9.]* exit $((n + 1)) 75$" "$results/update/starts"; then
            step ok "unhealthy release" "$(guest_log update "release 2.2.0 rolled back" | grep -o "release 2.2.0 rolled back: [^;]*" | head -n 1)"
        else
            step fail "unhealthy release" "2.2.0 not rolled back with 2.0.0 recording again (fleet: '$(fleet_line)')"
        fi
    fi
    update_stop update

    # 2. A power cut in the middle of a switch, then the next power-on.
    update_publish 3.0.0
    update_boot update-cut
    if until_true 240 guest_says update-cut "release 3.0.0 from the centre installed on probation"; then
        kill -KILL "$(cat "$results/update-cut/qemu.pid" 2>/dev/null)" 2>/dev/null || true
        local cut_at
        cut_at=$(date +%s.%N)
        wait "$UPDATE_BOOT" || true
        if [ -e "$results/update-cut/result" ]; then
            step fail "power cut" "the guest finished before it was killed: no power cut happened"
        else
            # Its first poll came at start: asked → switched is the download, the checks and the install.
            step ok "power cut" "QEMU killed $(calc "$cut_at - $(wall_time update-cut "release 3.0.0 from the centre installed")" 2) s after the switch to 3.0.0 (asked → switched $(calc "$(wall_time update-cut "release 3.0.0 from the centre installed") - $(wall_time update-cut "asking for updates")" 1) s)"
        fi
    else
        step fail "power cut" "3.0.0 was not switched to within 240 s"
        update_stop update-cut
    fi
    update_boot update-after
    if until_true 240 fleet_says "committed 3.0.0" && until_true 60 records_again update-after 1; then
        local first probation gaps
        first=$(head -n 1 "$results/update-after/starts" | cut -d' ' -f4)
        probation=$(guest_log update-after "is on probation" | grep -o "release [0-9.]* is on probation" | head -n 1 || true)
        gaps=$(guest_log update-after "ring recovered after a crash" | grep -o "crash_gaps=[0-9]*" | head -n 1 || true)
        step ok "after the power cut" "started from $first (${probation:-nothing on probation}; ${gaps:-no crash gap}), 3.0.0 committed"
    else
        step fail "after the power cut" "3.0.0 not committed with the board recording (fleet: '$(fleet_line)'); see $results/update-after"
    fi
    update_stop update-after
    kill "$CENTRE_PID" 2>/dev/null || true
    wait "$CENTRE_PID" 2>/dev/null || true
    CENTRE_PID=""
    trap - EXIT
    unset BOOT_DEVICES
}

# The verdicts of the steps, then the chain: the ring on the board's disk (read with
# debugfs, no mount needed) and the centre's store both verify intact, and every segment
# the board recorded is at the centre.
judge_update() {
    local t1 t2 t3 bytes line ring=$U/ring-copy key=$results/gateways/board.pub on_disk at_centre missing
    [ -s "$results/update/steps" ] || { failed update "no step ran; see $results/update/console.log"; return; }
    while IFS= read -r line; do
        case $line in fail*) failed update "${line#fail }" ;; esac
    done <"$results/update/steps"
    if [ -s "$results/update/good" ]; then
        read -r t1 t2 t3 bytes <"$results/update/good"
        SUMMARY+=("$(printf '%-18s 2.0.0: publish to commit %s s (to the switch %s s, poll every 60 s; then %s s), %s bytes' update "$t1" "$t2" "$t3" "$bytes")")
    fi
    grep -q "^ok crashing" "$results/update/steps" && SUMMARY+=("$(printf '%-18s 2.1.0 crashes at start: rolled back after 3 starts, 2.0.0 records again' update)")
    grep -q "^ok unhealthy" "$results/update/steps" && SUMMARY+=("$(printf '%-18s 2.2.0 never healthy: rolled back at its deadline, 2.0.0 records again' update)")
    grep -q "^ok power cut" "$results/update/steps" && SUMMARY+=("$(printf '%-18s 3.0.0: %s' update \
        "$(grep "^ok power cut" "$results/update/steps" | cut -d: -f2- | cut -c2-)")")
    grep -q "^ok after" "$results/update/steps" && SUMMARY+=("$(printf '%-18s after the power cut: %s' update \
        "$(grep "^ok after" "$results/update/steps" | cut -d: -f2- | cut -c2-)")")
    rm -rf "$ring"
    mkdir -p "$ring"
    debugfs -R "rdump /state/ring $ring" "$U/disk.img" >/dev/null 2>&1
    if [ ! -d "$ring/ring" ]; then
        failed update "cannot read the ring from the board's disk $U/disk.img"
        return
    fi
    "$CENTRE" verify "$ring/ring" --gateway-key "$key" >"$U/verify-board.txt" 2>&1 ||
        failed update "the board's chain is not intact: $(head -n 3 "$U/verify-board.txt")"
    "$CENTRE" verify "$U/store/board" --gateway-key "$key" >"$U/verify-centre.txt" 2>&1 ||
        failed update "the centre's chain is not intact: $(head -n 3 "$U/verify-centre.txt")"
    on_disk=$(cd "$ring/ring" && find . -name '*.mkv.age' | sort)
    [ -n "$on_disk" ] || failed update "no segment on the board's disk"
    at_centre=$(cd "$U/store/board" && find . -name '*.mkv.age' | sort)
    missing=$(comm -23 <(echo "$on_disk") <(echo "$at_centre") | wc -l)
    [ "$missing" -eq 0 ] || failed update "$missing of the board's segments are not at the centre: $(comm -23 <(echo "$on_disk") <(echo "$at_centre") | head -n 3 | tr '\n' ' ')"
    SUMMARY+=("$(printf '%-18s %d segments on the board, all at the centre; chain: %s' update "$(echo "$on_disk" | grep -c .)" "$(head -n 1 "$U/verify-centre.txt" | cut -c1-40)")")
}
