#if canImport(Glibc)
@_exported import Glibc
#elseif canImport(Musl)
@_exported import Musl
#else
#error("EdgeRecorder runs on Linux (glibc or musl).")
#endif
