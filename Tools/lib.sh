# Shared by the scripts in Tools/: sourced, never run.

# Swift: on PATH, or where the toolchain is usually unpacked.
for dir in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
    [ -x "$dir/swift" ] && case ":$PATH:" in *":$dir:"*) ;; *) PATH="$dir:$PATH" ;; esac
done
export PATH
command -v swift >/dev/null || { echo "swift is not on PATH: install Swift 6.2 or later first" >&2; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The Debian packages the build and the checks need.
BUILD_PACKAGES=(pkg-config libturbojpeg0-dev libssl-dev libcurl4-openssl-dev libv4l-dev)
CHECK_PACKAGES=(ffmpeg mkvtoolnix age minisign openssl curl time iproute2 nftables python3 socat tmux util-linux zbar-tools)

# Installs the named Debian packages that are missing (as root, or through sudo).
ensure_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "installing Debian packages: ${missing[*]}" >&2
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Builds in debug (or release with "release") and fails on any warning in our own code.
build_checked() {
    local config=${1:-debug} log
    log=$(mktemp)
    if ! swift build -c "$config" --build-tests 2>&1 | tee "$log" | grep -E "error:|Compiling|Build complete" | grep -v "^\[" ; then :; fi
    if grep -q "error:" "$log"; then grep -E "error:" "$log" | sort -u >&2; rm -f "$log"; return 1; fi
    if grep -E "^($ROOT/)?(Sources|Tests|Benchmarks|Fuzz)/.*warning:" "$log" | sort -u | grep . >&2; then
        echo "the build has warnings in our code (above): fix them" >&2
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
}

# Python tools from PyPI (validators, API fuzzers), in a virtual environment of our own
# under ~/.cache/edge-recorder/venv; prints its bin directory. Usage: python_tools PKG...
python_tools() {
    local venv="${XDG_CACHE_HOME:-$HOME/.cache}/edge-recorder/venv"
    if [ ! -x "$venv/bin/pip" ]; then
        python3 -m venv "$venv" >/dev/null 2>&1 || { ensure_packages python3-venv >&2 && python3 -m venv "$venv" >&2; }
    fi
    local missing=()
    for p in "$@"; do "$venv/bin/pip" show -q "${p%%[=<>]*}" >/dev/null 2>&1 || missing+=("$p"); done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing from PyPI: ${missing[*]}" >&2
        "$venv/bin/pip" install -q "${missing[@]}" >&2
    fi
    echo "$venv/bin"
}

# debian_root DIR [PACKAGE...]: a Debian 12 root in DIR (debootstrap --variant=minbase,
# with PACKAGEs added), from tars cached under ~/.cache/edge-recorder, made once. Root.
debian_root() {
    local dir=$1 cache="${XDG_CACHE_HOME:-$HOME/.cache}/edge-recorder" tmp
    shift
    local base=$cache/bookworm-minbase.tar
    local tar=$base
    [ $# -eq 0 ] || tar=$cache/bookworm-minbase+$(echo "$*" | tr ' ' '+').tar
    mkdir -p "$cache" "$dir"
    if [ ! -s "$base" ]; then
        tmp=$(mktemp -d /tmp/edge-debootstrap.XXXXXX)
        debootstrap --variant=minbase bookworm "$tmp" http://deb.debian.org/debian >"$tmp.log" 2>&1 ||
            { tail -3 "$tmp.log" >&2; rm -rf "$tmp" "$tmp.log"; echo "debootstrap failed" >&2; return 1; }
        chmod 0755 "$tmp"  # mktemp's 0700 would become the root's: no user could reach /lib
        tar -C "$tmp" -cf "$base.new" . && mv "$base.new" "$base"
        rm -rf "$tmp" "$tmp.log"
    fi
    if [ ! -s "$tar" ]; then
        tmp=$(mktemp -d /tmp/edge-debian.XXXXXX)
        tar -C "$tmp" -xf "$base"
        cp /etc/resolv.conf "$tmp/etc/resolv.conf" 2>/dev/null || true
        mount -t proc proc "$tmp/proc"
        if ! { chroot "$tmp" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
            chroot "$tmp" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"; } >"$tmp.log" 2>&1; then
            umount "$tmp/proc"
            tail -3 "$tmp.log" >&2
            rm -rf "$tmp" "$tmp.log"
            echo "cannot add $* to the Debian root" >&2
            return 1
        fi
        umount "$tmp/proc"
        chmod 0755 "$tmp"
        tar -C "$tmp" -cf "$tar.new" . && mv "$tar.new" "$tar"
        rm -rf "$tmp" "$tmp.log"
    fi
    tar -C "$dir" -xf "$tar"
    # The root directory is everyone's: the package's service user runs in it too (a tar
    # made from a 0700 temporary folder would otherwise lock it out of /).
    chmod 0755 "$dir"
}

# The benchmarks' input: 30 s of 1920x1080 25 fps test pattern as H.264 at MBPS Mbit/s
# (libx264 ultrafast, a keyframe every 2 s, no B-frames), made once and kept under
# ~/.cache/edge-recorder (making it takes a while); prints its path. Usage: bench_clip MBPS
bench_clip() {
    local cache=${XDG_CACHE_HOME:-$HOME/.cache}/edge-recorder
    local clip="$cache/bench-1080p25-${1}M.h264"
    if [ ! -s "$clip" ]; then
        mkdir -p "$cache"
        ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=1920x1080:rate=25" -t 30 -c:v libx264 -preset ultrafast \
            -b:v "${1}M" -maxrate "${1}M" -bufsize "$((2 * $1))M" -g 50 -bf 0 -f h264 "$clip.part" >&2
        mv "$clip.part" "$clip"
    fi
    echo "$clip"
}

# Starts `edge-centre serve` from BINS on loopback in the background: store WORK/store,
# CA and server certificate from `Tools/pki WORK/pki`, gateways WORK/gateways, its log
# appended to LOG; on PORT, or a free one. Sets `centre` (its pid) and `port` once it
# listens. Usage: serve_centre BINS WORK LOG [PORT]
serve_centre() {
    local bins=$1 work=$2 log=$3 i seen
    seen=0
    [ -f "$log" ] && seen=$(wc -l <"$log")  # a restart appends: read only what follows
    "$bins/edge-centre" serve --listen "127.0.0.1:${4:-0}" --store "$work/store" --ca "$work/pki/ca.pem" \
        --cert "$work/pki/server.pem" --key "$work/pki/server.key" --gateways "$work/gateways" 2>>"$log" &
    centre=$!
    for ((i = 0; i < 300; i++)); do
        port=$(tail -n "+$((seen + 1))" "$log" 2>/dev/null | grep -oE "127\.0\.0\.1:[0-9]+" | head -1 | cut -d: -f2)
        [ -n "$port" ] && return 0
        sleep 0.1
    done
    echo "edge-centre serve did not start: $(tail -n 3 "$log" 2>/dev/null)" >&2
    return 1
}
