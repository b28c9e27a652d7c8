#!/bin/sh
# The board's test driver, run by /init inside the guest (busybox sh):
#   scenarios.sh SCENARIO OUT
# It records with the real edge-recorderd on a real kernel's vivid camera and leaves raw
# evidence under OUT (the host's folder, over 9p); Tools/board judges it on the host.
# Every wait is bounded. Per daemon run, OUT/RUN/ holds:
#   config.json    the config the daemon ran with
#   daemon.log     its stderr, each line prefixed by the guest's uptime when it arrived
#   events         what the driver did, "UPTIME WHAT…" (unplug, bind, inject, stop…)
#   exit           the daemon's exit status after SIGTERM
#   fds            "before N" / "after N": its open descriptors around the unplug cycles
#   state/         its state directory: the segments it wrote (plaintext segments/cam/*.mkv,
#                  or ring/cam/*.mkv.age when sealed), recorded on the guest's tmpfs and
#                  copied here at the end
set -u
scenario=$1
out=$2
cycles=${BOARD_CYCLES:-20}

note() { echo "$*"; echo "board: $*" >/dev/console; }
uptime_now() { read -r up _ </proc/uptime; echo "$up"; }
# Centiseconds since boot, for deadlines.
ticks() { read -r up _ </proc/uptime; echo "${up%.*}${up#*.}"; }
event() { echo "$(uptime_now) $*" >>"$run/events"; }

# count PATTERN: how many daemon log lines match so far.
# A log not created yet counts 0 (an empty answer would end wait_log's loop at once).
count() { n=$(grep -c -- "$1" "$run/daemon.log" 2>/dev/null) || true; echo "${n:-0}"; }

# wait_log PATTERN N SECONDS: until N lines match, or fail after SECONDS.
wait_log() {
    deadline=$(($(ticks) + $3 * 100))
    while [ "$(count "$1")" -lt "$2" ]; do
        if [ "$(ticks)" -ge "$deadline" ]; then
            event "timeout waiting for '$1' x$2"
            note "$run: timed out after $3 s waiting for '$1' (x$2)"
            return 1
        fi
        usleep 50000
    done
}

camera() { # PIXELFORMAT: the camera object of the config
    echo "{\"id\":\"cam\",\"source\":\"v4l2\",\"device\":\"/dev/video0\",\"width\":640,\"height\":480,\"fps\":25,\"pixelFormat\":\"$1\",\"jpegQuality\":80,\"stallSeconds\":3}"
}

# stamped LOG: a new fifo in $fifo whose lines land in LOG, each stamped with the uptime
# when it arrived (awk reads /proc/uptime without forking); the stamper's pid in $stamper.
stamped() {
    fifo=/tmp/stamp.$$.$(ticks).fifo
    mkfifo "$fifo"
    : >"$1"
    awk '{ getline u < "/proc/uptime"; close("/proc/uptime"); split(u, t, " "); print t[1], $0; fflush() }' \
        <"$fifo" >"$1" &
    stamper=$!
}

# start_daemon RUN PIXELFORMAT SEGMENT-SECONDS [EXTRA-CONFIG-FIELDS]
start_daemon() {
    run=$out/$1
    state=/var/rec/$1
    mkdir -p "$run" "$state"
    : >"$run/events"
    # Sealed segments when the host found the daemon takes recipients (see Tools/board).
    recipients=
    [ -s "$out/../recipient" ] && recipients="\"recipients\": [\"$(cat "$out/../recipient")\"],"
    cat >"$run/config.json" <<JSON
{"gateway": "board", "stateDirectory": "$state", "segmentSeconds": $3, $recipients ${4:-}
 "cameras": [$(camera "$2")]}
JSON
    stamped "$run/daemon.log"
    event "start"
    edge-recorderd --config "$run/config.json" 2>"$fifo" &
    pid=$!
    note "$1: edge-recorderd started (pid $pid, $2, segments of $3 s)"
}

# stop_daemon: SIGTERM, at most 20 s for a clean stop, then SIGKILL; copy the segments.
stop_daemon() {
    event "stop"
    kill -TERM "$pid" 2>/dev/null
    (sleep 20; kill -KILL "$pid" 2>/dev/null) &
    killer=$!
    status=0
    wait "$pid" || status=$?
    kill "$killer" 2>/dev/null
    wait "$stamper" 2>/dev/null
    event "stopped $status"
    echo "$status" >"$run/exit"
    mkdir -p "$run/state"
    cp -r "$state/." "$run/state/" 2>/dev/null
    rm -rf "$state"
    note "$(basename "$run"): edge-recorderd exited $status"
}

# Descriptors in a listing of /proc/PID/fd, leaving out the recorder's own files under
# /var/rec (a segment file is open or not depending on where in its segment the daemon is).
fd_count() { grep ' -> ' "$1" | grep -vc ' -> /var/rec/'; }
ctl() { v4l2-ctl -d /dev/video0 "$@" >>"$out/v4l2-ctl.log" 2>&1 || note "v4l2-ctl $* failed"; }

load_vivid() {
    modprobe vivid n_devs=1 node_types=0x1 num_inputs=1 input_types=0x0 || { note "cannot load vivid"; exit 1; }
    n=0
    while [ ! -e /dev/video0 ] && [ $n -lt 50 ]; do usleep 100000; n=$((n + 1)); done
    [ -e /dev/video0 ] || { note "no /dev/video0 after loading vivid"; exit 1; }
}

# record RUN PIXELFORMAT SECONDS: one plain recording.
record() {
    edgectl cameras probe /dev/video0 >"$out/probe-$1.txt" 2>&1
    start_daemon "$1" "$2" 5
    if wait_log ': streaming' 1 15; then
        event "recording"
        sleep "$3"
    fi
    stop_daemon
}

# unplug METHOD: CYCLES unplug/replug cycles while recording, each resumed before the next.
unplug() {
    for i in $(seq 1 "$cycles"); do
        n=$(count ': streaming')
        case $1 in
        disconnect)
            event "unplug disconnect $i"
            ctl -c disconnect=1
            ;;
        unbind)
            event "unplug unbind $i"
            echo vivid.0 >/sys/bus/platform/drivers/vivid/unbind || event "unbind $i failed"
            usleep 300000
            event "replug bind $i"
            echo vivid.0 >/sys/bus/platform/drivers/vivid/bind || event "bind $i failed"
            ;;
        esac
        wait_log ': streaming' $((n + 1)) 8 || return 1
        event "resumed $1 $i"
        # Let frames flow, so the back-off is back at 1 s before the next unplug.
        usleep 400000
    done
}

# The update scenarios' gateway (Tools/board.d/update.sh makes the rest): the slots, the
# config and the state on a virtio disk (ext4, made on the host, so a killed QEMU is a
# power cut to it), the centre on the host at 10.0.2.2 over QEMU's user network.
data=/data
update_board() {
    for m in virtio_blk crc32c_generic ext4 virtio_net; do
        modprobe "$m" || { note "cannot load $m"; exit 1; }
    done
    n=0
    while [ ! -b /dev/vda ] && [ $n -lt 50 ]; do usleep 100000; n=$((n + 1)); done
    mkdir -p "$data"
    mount -t ext4 /dev/vda "$data" || { note "cannot mount the board's disk /dev/vda"; exit 1; }
    ip link set lo up
    { ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2; } ||
        { note "cannot bring up eth0"; exit 1; }
}

# supervise: what Board/systemd/edge-recorder.service makes systemd do, as a loop: the
# committed slot's `edgectl update boot`, then the daemon from `current`; started again
# 2 s after it exits non-zero (Restart=on-failure, RestartSec=2). Ends when the host
# creates OUT/stop: the uplink is given 30 s to deliver, then SIGTERM. Per start,
# OUT/daemon-N.log (stamped like daemon.log); OUT/starts has a line per start and exit,
# OUT/boot.log what the boot checks said. The gateway's key goes to OUT/../gateways/
# board.pub for the centre as soon as the daemon has made it.
supervise() {
    starts=0
    key=$out/../gateways/board.pub
    while [ ! -e "$out/stop" ]; do
        starts=$((starts + 1))
        "$data/opt/committed/bin/edgectl" update boot --root "$data/opt" --etc-dir "$data/etc" \
            --state-dir "$data/state" >>"$out/boot.log" 2>&1
        stamped "$out/daemon-$starts.log"
        "$data/opt/current/bin/edge-recorderd" --config "$data/etc/config.json" --slots-root "$data/opt" \
            --probation-seconds 60 2>"$fifo" &
        pid=$!
        echo "$(uptime_now) start $starts $(readlink "$data/opt/current") pid $pid" >>"$out/starts"
        note "update: start $starts from $(readlink "$data/opt/current")"
        while kill -0 "$pid" 2>/dev/null && [ ! -e "$out/stop" ]; do
            if [ ! -s "$key" ] && edgectl keys show --state-dir "$data/state" >"$key.tmp" 2>/dev/null; then
                mv "$key.tmp" "$key"
            fi
            usleep 200000
        done
        killer=
        if [ -e "$out/stop" ] && kill -0 "$pid" 2>/dev/null; then
            edgectl uplink wait --timeout 30 >"$out/uplink-wait.txt" 2>&1
            kill -TERM "$pid"
            (sleep 20; kill -KILL "$pid" 2>/dev/null) &    # TimeoutStopSec, shortened
            killer=$!
        fi
        status=0
        wait "$pid" || status=$?
        [ -n "$killer" ] && kill "$killer" 2>/dev/null
        wait "$stamper" 2>/dev/null
        echo "$(uptime_now) exit $starts $status" >>"$out/starts"
        note "update: start $starts exited $status"
        [ "$status" -eq 0 ] && break
        sleep 2
    done
    umount "$data" || note "cannot unmount $data"
}

load_vivid
case $scenario in
update | update-cut | update-after)
    # Driven from the host (Tools/board.d/update.sh): it publishes releases at the centre
    # and reads the logs; for update-cut it kills QEMU in the middle of a switch.
    update_board
    supervise
    ;;
capture)
    record capture YUYV 20
    ;;
formats)
    # edgectl setup, scripted, on the real device: it probes /dev/video0, offers what can
    # be recorded (best first) and writes a config the daemon's validator takes. The
    # answers: record it, id cam, the first format, no more cameras, one recipient, write.
    echo '{"gateway": "board", "cameras": []}' >"$out/setup.json"
    printf 'y\ncam\n\n\n%s\n\ny\n' age1pagexks9869uqndm426rq9ue062xeqq9urjdypawsachn07cv4fqgtgd2n |
        edgectl setup --config "$out/setup.json" --snapshots "$out" >"$out/setup.txt" 2>&1
    echo "exit $?" >>"$out/setup.txt"
    record nv12 NV12 10
    record grey GREY 8
    ;;
unplug)
    start_daemon unplug YUYV 2
    if wait_log ': streaming' 1 15; then
        sleep 2
        ls -l "/proc/$pid/fd" >"$run/fds-before.txt"
        echo "before $(fd_count "$run/fds-before.txt")" >"$run/fds"
        if unplug disconnect && unplug unbind; then
            sleep 1
            ls -l "/proc/$pid/fd" >"$run/fds-after.txt"
            echo "after $(fd_count "$run/fds-after.txt")" >>"$run/fds"
        fi
    fi
    stop_daemon
    ;;
faults)
    # STREAMON fails once: the first open fails, the retry records.
    ctl -c inject_vidioc_streamon_error=1
    start_daemon streamon YUYV 2
    wait_log 'cannot open camera' 1 10 && wait_log ': streaming' 1 10 && wait_log 'segment closed' 1 10
    stop_daemon
    # A fatal streaming error while recording: lost, reopened, recording again.
    start_daemon fatal YUYV 2
    if wait_log ': streaming' 1 15; then
        sleep 3
        event "inject fatal"
        ctl -c inject_fatal_streaming_error=1
        wait_log 'camera lost' 1 10 && wait_log ': streaming' 2 10 &&
            wait_log 'segment closed' $(($(count 'segment closed') + 1)) 10
    fi
    stop_daemon
    # The device drops a fifth of its buffers: counted, never hidden. GREY, the cheapest
    # format to compress, keeps up with 25 fps under TCG, so the drops are vivid's own.
    ctl -c percentage_of_dropped_buffers=20
    record drop GREY 8
    ctl -c percentage_of_dropped_buffers=0
    ;;
watchdog)
    # Kicked only while healthy: the i6300esb with a 5 s timeout.
    dog='"watchdog": {"device": "/dev/watchdog", "timeoutSeconds": 5, "stuckSeconds": 5},'
    # A healthy minute: never reset. Then a clean stop disarms (magic close).
    start_daemon healthy YUYV 2 "$dog"
    if wait_log 'hardware watchdog armed' 1 15 && wait_log ': streaming' 1 15; then
        event "recording"
        sleep 60
    fi
    stop_daemon
    sleep 10
    event "up 10 s after the clean stop"
    note "watchdog: still up 10 s after the clean stop"
    # The capture loop hangs 8 s after the camera opens: the watchdog is no longer
    # kicked and the board resets. The host times the reset from the line below.
    export EDGE_FAULT_HANG_CAPTURE_AFTER=8
    start_daemon hang YUYV 2 "$dog"
    unset EDGE_FAULT_HANG_CAPTURE_AFTER
    if wait_log 'no longer kicked' 1 60; then
        logged=$(grep -m1 'no longer kicked' "$run/daemon.log" | cut -d' ' -f1)
        note "kicks stopped at uptime $logged (now $(uptime_now))"
        sleep 30
        note "watchdog: NO RESET 30 s after the kicks stopped"
    fi
    ;;
*)
    note "unknown scenario '$scenario'"
    exit 2
    ;;
esac
exit 0
