# Tools/board's judgements, made on the host over what the guest left in the 9p folder
# (layout: Board/qemu-x86_64/scenarios.sh). Sourced by Tools/board, never run; the judges
# run without `set -e`, so one missing file is a failed judgement, not a silent exit.
# Each judge_SCENARIO adds lines to SUMMARY and, for every failed judgement, a line
# "SCENARIO: what was wrong" to FAILURES.
SUMMARY=()
FAILURES=()
FPS=25                 # what every scenario asks vivid for (640x480 tops at 25 fps)
RESUME_LIMIT=3         # seconds from the device coming back to the next "streaming" line

failed() { FAILURES+=("$1: $2"); }

# segment_files RUN: the camera's complete segments in order, plaintext (segments/cam/*.mkv)
# or sealed to the board's age key (ring/cam/*.mkv.age), whichever the daemon wrote.
segment_files() {
    find "$1/state" \( -name '*.mkv' -o -name '*.mkv.age' \) -path '*/cam/*' 2>/dev/null | sort
}
# plaintext FILE: FILE itself, or a decrypted copy (the caller removes it).
plaintext() {
    case $1 in
    *.age)
        local plain=${TMPDIR:-/tmp}/edge-board-segment.$$.mkv
        age -d -i "$BOARD_KEY" -o "$plain" "$1" 2>/dev/null && echo "$plain"
        ;;
    *) echo "$1" ;;
    esac
}

# finished DIR SCENARIO: the guest's driver ran to its end (QEMU's exit code means nothing).
finished() {
    local r
    r=$(cat "$1/result" 2>/dev/null || true)
    [ "$r" = "finished 0" ] && return 0
    failed "$2" "the guest did not finish cleanly (result: '${r:-none}'); see $1/console.log and $1/driver.log"
    [ -n "$r" ]
}

# Uptime of the Nth (default first) daemon log line matching PATTERN at or after time FROM.
log_time() { # RUN PATTERN [FROM] [N]
    awk -v p="$2" -v from="${3:-0}" -v n="${4:-1}" '$1 >= from && index($0, p) { if (++k == n) { print $1; exit } }' "$1/daemon.log"
}
event_time() { awk -v p="$2" 'index($0, p) { print $1; exit }' "$1/events"; }
stop_field() { grep -o " $2=[0-9]*" "$1/stop-line" 2>/dev/null | head -n1 | cut -d= -f2 || true; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

# judge_run NAME RUN: clean stop, complete segments that decode clean with strictly
# increasing timestamps, ffprobe's count equal to what the daemon logged. Sets FRAMES,
# SPAN (seconds covered by the blocks: last - first + one frame, summed), SEGMENTS.
judge_run() {
    local name=$1 run=$2 f sealed list pts stats n span bad logged errors
    FRAMES=0 SPAN=0 SEGMENTS=0
    [ -f "$run/daemon.log" ] || { failed "$name" "no daemon log: the run never started"; return 1; }
    grep -E "camera=cam: stopped " "$run/daemon.log" | tail -n1 >"$run/stop-line" || true
    [ "$(cat "$run/exit" 2>/dev/null)" = 0 ] || failed "$name" "edge-recorderd exited '$(cat "$run/exit" 2>/dev/null)' after SIGTERM, expected 0"
    grep -q "stopped cleanly" "$run/daemon.log" || failed "$name" "no 'stopped cleanly' in $run/daemon.log"
    [ -s "$run/stop-line" ] || failed "$name" "no 'stopped … frames=' line in the log"
    [ -z "$(find "$run/state" -name '*.partial' 2>/dev/null)" ] || failed "$name" "partial segments left behind in $run/state"
    list=$(segment_files "$run")
    [ -n "$list" ] || { failed "$name" "no segment recorded"; return 1; }
    for sealed in $list; do
        f=$(plaintext "$sealed") || { failed "$name" "age cannot decrypt $sealed"; continue; }
        # -enc_time_base -1: the null muxer otherwise rounds timestamps to 1/25 s, and two
        # frames 36 ms apart (a camera's jitter, or frames dropped around them) collide there.
        errors=$(ffmpeg -nostdin -v error -i "$f" -enc_time_base -1 -f null - 2>&1) || errors="ffmpeg failed: $errors"
        [ -z "$errors" ] || failed "$name" "$(basename "$sealed") does not decode clean: $(head -c 300 <<<"$errors")"
        pts=$(ffprobe -v error -select_streams v:0 -show_entries packet=pts_time -of csv=p=0 "$f") || pts=
        stats=$(awk 'NR == 1 { first = $1 } NR > 1 && $1 <= last { bad++ } { last = $1 }
            END { printf "%d %.3f %d\n", NR, (NR ? last - first : 0), bad }' <<<"$pts")
        read -r n span bad <<<"$stats"
        [ "$bad" -eq 0 ] || failed "$name" "$(basename "$sealed"): $bad timestamps not strictly increasing"
        FRAMES=$((FRAMES + n))
        SPAN=$(calc "$SPAN + $span + 1 / $FPS" 3)
        SEGMENTS=$((SEGMENTS + 1))
        [ "$f" = "$sealed" ] || rm -f "$f"
    done
    logged=$(grep "segment closed" "$run/daemon.log" | grep -o " frames=[0-9]*" | cut -d= -f2 | awk '{ s += $1 } END { print s + 0 }')
    [ "$FRAMES" -eq "$logged" ] || failed "$name" "ffprobe counts $FRAMES frames, the daemon's 'segment closed' lines say $logged"
}

# judge_rate NAME RUN: within 2 % of 25 fps both by the blocks' timestamps and by the
# daemon's run time (first "streaming" line to SIGTERM).
judge_rate() {
    local name=$1 run=$2 t0 t1 wall ok
    t0=$(log_time "$run" ": streaming")
    t1=$(event_time "$run" " stop")
    if [ -z "$t0" ] || [ -z "$t1" ] || [ "$SEGMENTS" -eq 0 ]; then
        failed "$name" "no frame rate: the daemon never logged 'streaming', or nothing was recorded"
        return 1
    fi
    wall=$(calc "$t1 - $t0")
    RATE=$(calc "$FRAMES / $SPAN")
    WALL_RATE=$(calc "$FRAMES / $wall")
    ok=$(calc "($FRAMES >= 0.98 * $FPS * $SPAN && $FRAMES <= 1.02 * $FPS * $SPAN) ? 1 : 0" 0)
    [ "$ok" = 1 ] || failed "$name" "$FRAMES frames over $SPAN s of block timestamps = $RATE fps, not within 2 % of $FPS"
    ok=$(calc "($FRAMES >= 0.98 * $FPS * $wall && $FRAMES <= 1.02 * $FPS * $wall) ? 1 : 0" 0)
    [ "$ok" = 1 ] || failed "$name" "$FRAMES frames in $wall s of run time = $WALL_RATE fps, not within 2 % of $FPS"
    SUMMARY+=("$(printf '%-18s %2d segments %5d frames  %6.2f s blocks = %5.2f fps  %6.2f s run = %5.2f fps  dropped=%s behind=%s by_device=%s' \
        "$name" "$SEGMENTS" "$FRAMES" "$SPAN" "$RATE" "$wall" "$WALL_RATE" \
        "$(stop_field "$run" dropped)" "$(stop_field "$run" dropped_behind)" "$(stop_field "$run" dropped_by_device)")")
}

judge_capture() {
    finished "$1" capture || return 0
    judge_run "capture YUYV" "$1/capture" && judge_rate "capture YUYV" "$1/capture"
}

judge_formats() {
    finished "$1" formats || return 0
    grep -q NV12 "$1/probe-nv12.txt" || failed "formats" "edgectl cameras probe does not list NV12 (see $1/probe-nv12.txt)"
    grep -q "^exit 0$" "$1/setup.txt" && grep -q '"device": "/dev/video0"' "$1/setup.json" &&
        grep -q '"pixelFormat"' "$1/setup.json" ||
        failed "formats" "edgectl setup did not write a config for /dev/video0 (see $1/setup.txt, $1/setup.json)"
    judge_run "formats NV12" "$1/nv12" && judge_rate "formats NV12" "$1/nv12"
    judge_run "formats GREY" "$1/grey" && judge_rate "formats GREY" "$1/grey"
}

# latencies RUN FROM-EVENT: for each driver event "FROM-EVENT I", seconds from it to the
# next "streaming" log line; prints one figure per line.
latencies() {
    awk -v what="$2" 'FNR == NR { if (index($0, " " what " ") || $0 ~ (" " what "$")) { t[n++] = $1 }; next }
        index($0, ": streaming") { s[m++] = $1 }
        END { for (i = 0; i < n; i++) { for (j = 0; j < m && s[j] < t[i]; j++); if (j < m) printf "%.2f\n", s[j] - t[i]; else print "none" } }' \
        "$1/events" "$1/daemon.log"
}

# stats: "min/median/max" of the figures on stdin.
stats() { sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.2f/%.2f/%.2f s", v[1], v[int((NR + 1) / 2)], v[NR] }'; }

judge_unplug() {
    local run=$1/unplug method from lat done before after lost gaps
    finished "$1" unplug
    judge_run "unplug" "$run" || return 0
    for method in disconnect unbind; do
        from="unplug disconnect"; [ $method = unbind ] && from="replug bind"
        done=$(grep -c "resumed $method " "$run/events" || true)
        [ "$done" -eq 20 ] || failed "unplug" "$method: $done of 20 cycles resumed (see $run/events)"
        lat=$(latencies "$run" "$from")
        if grep -q none <<<"$lat"; then failed "unplug" "$method: no 'streaming' line after some '$from' event"; fi
        slow=$(grep -v none <<<"$lat" | awk -v l=$RESUME_LIMIT '$1 > l' | wc -l || true)
        [ "$slow" -eq 0 ] || failed "unplug" "$method: $slow resumes took more than $RESUME_LIMIT s: $(tr '\n' ' ' <<<"$lat")"
        SUMMARY+=("$(printf '%-18s %2d cycles, %s to "streaming" min/median/max %s' "unplug $method" "$done" "from '$from'" "$(grep -v none <<<"$lat" | stats)")")
    done
    lost=$(grep -c "camera lost" "$run/daemon.log" || true)
    gaps=$(grep -c "gap in the recording" "$run/daemon.log" || true)
    [ "$lost" -ge 40 ] || failed "unplug" "$lost 'camera lost' lines for 40 unplugs"
    [ "$gaps" -ge 40 ] || failed "unplug" "$gaps 'gap in the recording' lines for 40 unplugs"
    before=$(awk '$1 == "before" { print $2 }' "$run/fds" 2>/dev/null || true)
    after=$(awk '$1 == "after" { print $2 }' "$run/fds" 2>/dev/null || true)
    [ -n "$before" ] && [ "$before" = "$after" ] || failed "unplug" "open descriptors: ${before:-?} before the cycles, ${after:-?} after (see $run/fds-*.txt)"
    SUMMARY+=("$(printf '%-18s %s "camera lost", %s gaps logged; open descriptors %s before, %s after; %d frames in %d segments' "unplug" "$lost" "$gaps" "${before:-?}" "${after:-?}" "$FRAMES" "$SEGMENTS")")
}

# after RUN PATTERN TIME: uptime of the first log line matching PATTERN after TIME.
after() { log_time "$1" "$2" "$3"; }

judge_faults() {
    local run t lost again closed line
    finished "$1" faults
    run=$1/streamon
    if judge_run "faults streamon" "$run"; then
        t=$(after "$run" "cannot open camera" 0)
        again=$([ -n "$t" ] && after "$run" ": streaming" "$t" || true)
        closed=$([ -n "$again" ] && after "$run" "segment closed" "$again" || true)
        [ -n "$t" ] || failed "faults streamon" "no 'cannot open camera' line after inject_vidioc_streamon_error"
        [ -n "$again" ] || failed "faults streamon" "no 'streaming' after the failed STREAMON"
        [ -n "$closed" ] || failed "faults streamon" "no segment closed after the failed STREAMON"
        line=$(grep -m1 "cannot open camera" "$run/daemon.log" | cut -d' ' -f3- || true)
        SUMMARY+=("$(printf '%-18s %s' "faults streamon" "${line:-(no line)}; streaming again after $(calc "${again:-0} - ${t:-0}") s")")
    fi
    run=$1/fatal
    if judge_run "faults fatal" "$run"; then
        t=$(event_time "$run" "inject fatal")
        lost=$([ -n "$t" ] && after "$run" "camera lost" "$t" || true)
        again=$([ -n "$lost" ] && after "$run" ": streaming" "$lost" || true)
        closed=$([ -n "$again" ] && after "$run" "segment closed" "$again" || true)
        [ -n "$lost" ] || failed "faults fatal" "no 'camera lost' line after inject_fatal_streaming_error"
        [ -n "$again" ] || failed "faults fatal" "no 'streaming' after the fatal streaming error"
        [ -n "$closed" ] || failed "faults fatal" "no segment closed after the fatal streaming error"
        line=$(grep -m1 "camera lost" "$run/daemon.log" | cut -d' ' -f3- || true)
        SUMMARY+=("$(printf '%-18s %s' "faults fatal" "${line:-(no line)}; streaming again after $(calc "${again:-0} - ${lost:-0}") s")")
    fi
    run=$1/drop
    if judge_run "faults drop 20%" "$run"; then
        [ "$(stop_field "$run" dropped_by_device)" -gt 0 ] 2>/dev/null || failed "faults drop 20%" "dropped_by_device is not above 0: $(cut -d' ' -f3- "$run/stop-line")"
        RATE=$(calc "$FRAMES / $SPAN")
        local by_device share
        by_device=$(stop_field "$run" dropped_by_device)
        share=$(calc "100 * ${by_device:-0} / ($FRAMES + ${by_device:-0})" 1)
        SUMMARY+=("$(printf '%-18s GREY %d frames in %.2f s = %.2f fps; %s%% of the device'"'"'s frames dropped by it; %s' \
            "faults drop 20%" "$FRAMES" "$SPAN" "$RATE" "$share" "$(grep -o 'dropped=.*' "$run/stop-line")")")
    fi
}

# The watchdog: a healthy minute with the i6300esb armed (5 s) never resets and a clean
# stop disarms it; a hung capture loop stops the kicks and the board resets within the
# timeout plus 1 s, timed on the host: from the daemon's "no longer kicked" line (its
# guest uptime, carried to the host by a console line stamped on arrival) to QEMU's exit
# on the reset (-no-reboot).
WATCHDOG_TIMEOUT=5
judge_watchdog() {
    local run=$1/healthy hang=$1/hang line host guest_logged guest_now exit_at stopped_at delay hang_at detect
    if [ ! -f "$run/exit" ] || [ "$(cat "$run/exit")" != 0 ]; then
        failed watchdog "the healthy run did not stop cleanly (exit '$(cat "$run/exit" 2>/dev/null)')"
    fi
    grep -q "hardware watchdog armed" "$run/daemon.log" 2>/dev/null || failed watchdog "the healthy run did not arm the hardware watchdog"
    grep -q "no longer kicked" "$run/daemon.log" 2>/dev/null && failed watchdog "the healthy run stopped kicking: $(grep -m1 'no longer kicked' "$run/daemon.log")"
    grep -q "up 10 s after the clean stop" "$run/events" 2>/dev/null \
        || failed watchdog "the board did not stay up 10 s after the clean stop (not disarmed?)"
    line=$(grep -m1 "board: kicks stopped at uptime" "$1/console-times.log" 2>/dev/null || true)
    if [ -z "$line" ]; then
        failed watchdog "the hung daemon never stopped kicking (no 'no longer kicked' line); see $hang/daemon.log"
        return
    fi
    grep -q "NO RESET" "$1/console.log" && failed watchdog "no reset 30 s after the kicks stopped"
    [ -f "$1/result" ] && failed watchdog "the guest finished normally: it was not reset"
    host=$(echo "$line" | cut -d' ' -f1)
    guest_logged=$(echo "$line" | sed -n 's/.*at uptime \([0-9.]*\) (now \([0-9.]*\)).*/\1/p')
    guest_now=$(echo "$line" | sed -n 's/.*at uptime \([0-9.]*\) (now \([0-9.]*\)).*/\2/p')
    exit_at=$(cat "$1/host-exit")
    stopped_at=$(calc "$host - ($guest_now - $guest_logged)" 3)
    delay=$(calc "$exit_at - $stopped_at" 2)
    hang_at=$(log_time "$hang" ": streaming")
    detect=$(calc "$guest_logged - ${hang_at:-0} - 8" 1)
    awk -v d="$delay" -v t="$WATCHDOG_TIMEOUT" 'BEGIN { exit !(d > 0 && d <= t + 1) }' \
        || failed watchdog "the reset came $delay s after the kicks stopped (allowed: up to $((WATCHDOG_TIMEOUT + 1)) s)"
    SUMMARY+=("$(printf '%-18s healthy 60 s: no reset, clean stop disarmed; hung capture seen after %s s, reset %s s after the last kick decision (timeout %d s)' \
        watchdog "$detect" "$delay" "$WATCHDOG_TIMEOUT")")
}
