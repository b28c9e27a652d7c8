# Tools/board's image steps: static build, kernel, initramfs, accelerator probe, boot.
# Sourced by Tools/board, never run.

# build_static PRODUCT: a release binary with the Swift runtime linked in
# (--static-swift-stdlib), in its own scratch path so other builds are untouched. The C
# libraries stay shared (libcurl's dependencies include Kerberos, which Debian ships
# without a static archive); build_initramfs copies each one with the loader.
build_static() {
    local log
    log=$(mktemp)
    # -DEDGE_FAULTS: the board's builds carry the test-only fault switches (Board/README.md).
    if ! swift build -c release --scratch-path .build-board --product "$1" --static-swift-stdlib -Xswiftc -DEDGE_FAULTS >"$log" 2>&1; then
        grep -E "error:" "$log" | sort -u >&2 || tail -n 30 "$log" >&2
        rm -f "$log"
        echo "FAIL: board: the static build of $1 failed" >&2
        exit 1
    fi
    grep -E "Build of product|Compiling" "$log" | tail -n 1
    rm -f "$log"
}

# fetch_kernel CACHE: prints a folder holding Debian's stock kernel unpacked (boot/,
# lib/modules/VER with modules.dep) and its uncompressed vmlinux. Kept in CACHE between
# runs; built in a temporary folder and renamed, so a cut-short run leaves nothing half done.
fetch_kernel() {
    local cache=$1 pkg dir tmp offset
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    if [ -z "$pkg" ]; then
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        $sudo apt-get update -qq >/dev/null
        pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    fi
    [ -n "$pkg" ] || { echo "FAIL: board: apt knows no linux-image-amd64" >&2; exit 1; }
    dir=$cache/$pkg
    if [ ! -s "$dir/vmlinux" ]; then
        tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
        chmod 755 "$tmp"    # apt-get download drops privileges to _apt when it can
        (cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1) || { echo "FAIL: board: apt-get download $pkg failed" >&2; exit 1; }
        dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/root"
        rm -f "$tmp"/*.deb
        depmod -b "$tmp/root" "${pkg#linux-image-}"
        # scripts/extract-vmlinux: find the compressed payload inside the bzImage.
        offset=$(LC_ALL=C grep -abo -m1 $'\3757zXZ\000' "$tmp"/root/boot/vmlinuz-* | cut -d: -f1)
        [ -n "$offset" ] || { echo "FAIL: board: no xz payload in the kernel image" >&2; exit 1; }
        tail -c +$((offset + 1)) "$tmp"/root/boot/vmlinuz-* | xz -dc >"$tmp/vmlinux" 2>/dev/null || true
        [ "$(head -c 4 "$tmp/vmlinux")" = $'\177ELF' ] || { echo "FAIL: board: cannot extract vmlinux" >&2; exit 1; }
        rm -rf "$dir"
        mv "$tmp" "$dir"
    fi
    echo "$dir"
}

# copy_libraries FILE ROOT: the shared libraries FILE needs (ldd), loader too.
copy_libraries() {
    local file=$1 root=$2 lib
    # ldd exits 1 on a static binary: that only means there is nothing to copy.
    for lib in $(ldd "$file" 2>/dev/null | grep -oE '/[^ ]+' || true); do
        [ -e "$root$lib" ] || install -D "$(readlink -f "$lib")" "$root$lib"
    done
}

# copy_with_libraries FILE ROOT: FILE and the shared libraries it needs.
copy_with_libraries() {
    install -D "$1" "$2$1"
    copy_libraries "$1" "$2"
}

# build_initramfs KERNEL STAGING CPIO: busybox, the module closure (the update scenarios'
# disk and network too), our binaries and their libraries,
# v4l2-ctl with its libraries, /init and the test driver; an uncompressed newc cpio.
build_initramfs() {
    local kernel=$1 root=$2 cpio=$3 ver m
    ver=$(basename "$kernel"); ver=${ver#linux-image-}
    mkdir -p "$root"/{bin,usr/bin,board,var/rec}
    cp /bin/busybox "$root/bin/busybox"
    install -m 755 Board/qemu-x86_64/init "$root/init"
    install -m 755 Board/qemu-x86_64/scenarios.sh "$root/board/scenarios.sh"
    for b in edge-recorderd edgectl; do
        strip -o "$root/usr/bin/$b" ".build-board/release/$b"
        copy_libraries ".build-board/release/$b" "$root"
    done
    copy_with_libraries "$(command -v v4l2-ctl)" "$root"
    for m in $(modprobe -d "$kernel/root" -S "$ver" -a --show-depends vivid i6300esb virtio_pci 9pnet_virtio 9p \
        virtio_blk crc32c_generic ext4 virtio_net | awk '$1 == "insmod" {print $2}' | sort -u); do
        install -D -m 644 "$m" "$root${m#"$kernel/root"}"
    done
    cp "$kernel/root/lib/modules/$ver"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$ver/"
    depmod -b "$root" "$ver"
    (cd "$root" && find . | cpio -o -H newc --quiet) >"$cpio"
}

# Measured under TCG (640x480 GREY → JPEG): 15.9 fps with "-cpu max -smp 1", 25.0 fps with
# "-cpu max,-avx,-avx2 -smp 2". TCG emulates AVX2 slowly and libjpeg-turbo picks AVX2 when
# CPUID offers it; the second vCPU carries vivid's generator thread.
qemu_args() { # VMLINUX INITRD
    echo -machine pc -cpu "${EDGE_BOARD_CPU:-max,-avx,-avx2}" -smp "${EDGE_BOARD_SMP:-2}" -m 512 -nodefaults -display none -serial stdio -no-reboot \
        -kernel "$1" -initrd "$2" -device i6300esb -action watchdog=reset
}

# probe_accel VMLINUX: "kvm" only if a KVM boot reaches the root mount faster than TCG
# could (/dev/kvm exists on these machines but QEMU fails or crawls on it), else "tcg".
probe_accel() {
    [ -w /dev/kvm ] || { echo tcg; return; }
    if timeout -k 1 3 qemu-system-x86_64 -accel kvm -machine pc -cpu max -m 256 -nodefaults \
        -display none -serial stdio -no-reboot -kernel "$1" -append "console=ttyS0 panic=-1" \
        </dev/null 2>/dev/null | grep -q -m1 "Kernel panic"; then
        echo kvm
    else
        echo tcg
    fi
}

# boot VMLINUX INITRD RESULTS SCENARIO LIMIT ACCEL: one boot running one scenario. The
# console goes to RESULTS/SCENARIO/console.log, the guest's progress lines to the terminal.
# BOOT_DEVICES: more QEMU arguments for this boot (the update scenarios' disk and network).
boot() {
    local vmlinux=$1 initrd=$2 results=$3 s=$4 limit=$5 accel=$6 start=$SECONDS
    mkdir -p "$results/$s"
    timeout -k 5 "$limit" qemu-system-x86_64 -accel "$accel" $(qemu_args "$vmlinux" "$initrd") ${BOOT_DEVICES:-} \
        -append "console=ttyS0 quiet loglevel=3 panic=-1 board.scenario=$s" \
        -virtfs "local,path=$results,mount_tag=host0,security_model=none,id=host0" -pidfile "$results/$s/qemu.pid" \
        </dev/null 2>&1 | stamp_lines "$results/$s/console-times.log" | tee "$results/$s/console.log" |
        grep --line-buffered "^board:" | sed -u 's/^/  /' || true
    date +%s.%N >"$results/$s/host-exit"
    echo "  ($s: $((SECONDS - start)) s in QEMU)"
    BOOT_SECONDS[$s]=$((SECONDS - start))
}
declare -A BOOT_SECONDS=()

# stamp_lines FILE: passes lines through, and writes each "board:" line to FILE with the
# host's clock when it arrived (the watchdog judge times the reset with it).
stamp_lines() {
    local line
    while IFS= read -r line; do
        printf '%s\n' "$line"
        case $line in board:*) printf '%s %s\n' "$EPOCHREALTIME" "$line" >>"$1" ;; esac
    done
}
