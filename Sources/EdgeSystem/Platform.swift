// Gateways are 64-bit boards (aarch64, and x86_64 for the QEMU board and the centre): byte
// counts, file offsets, times in nanoseconds and config ranges such as a rate of 16 GiB/s
// are Swift `Int`s, which a 32-bit target (armhf) would make 32 bits wide. Such a build
// stops here instead of trapping on the first segment past 2 GiB or a date past 2038.
#if arch(arm) || arch(i386) || arch(wasm32) || arch(powerpc)
#error("EdgeRecorder runs on 64-bit targets only (aarch64, x86_64): Board/profiles/README.md")
#endif
