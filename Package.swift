// swift-tools-version:6.2
import PackageDescription

// Dependencies point one way: C targets → EdgeSystem → concern libraries → executables.
// Concern libraries meet only through the protocols in EdgeCore; the executables wire them.
// Test-only fault switches (a hanging capture loop, refusals at the centre) exist in debug
// builds and in the QEMU board's (which passes -DEDGE_FAULTS), never in a field release:
// as swift-system's ENABLE_MOCKING.
let faultSwitches: [SwiftSetting] = [.define("EDGE_FAULTS", .when(configuration: .debug))]

let package = Package(
    name: "EdgeRecorder",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "edge-recorderd", targets: ["edge-recorderd"]),
        .executable(name: "edgectl", targets: ["edgectl"]),
        .executable(name: "edge-centre", targets: ["edge-centre"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Centre side only (edge-centre serve): never a dependency of the gateway binaries.
        // Traits off: no swift-configuration, no full Foundation.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // The daemon's /metrics: swift-metrics' API, rendered as Prometheus text.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Deque for the frame buffer and streamed answers (already part of SwiftNIO's graph).
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        // HTTP types and their NIO codec, as Hummingbird hands requests over (centre side only).
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        // Thin C targets: headers and static inline shims only.
        .systemLibrary(
            name: "CTurboJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(
            name: "CV4L2", pkgConfig: "libv4l2",
            providers: [.apt(["libv4l-dev"])]),
        .systemLibrary(
            name: "COpenSSL", pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]),

        .systemLibrary(name: "CLinux"),
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),

        // System helpers: descriptors, errno, files with fsync, threads, clocks.
        .target(name: "EdgeSystem", dependencies: ["CLinux"]),

        // Concern libraries.
        .target(name: "EdgeJSON"),
        // QR codes drawn on a terminal: a technician's phone reads the enrolment fingerprints.
        .target(name: "QRCode"),
        // The one module over libcrypto for digests, randomness and OpenSSL's errors, with
        // the strict base64 and hex codecs: every other module hashes through it.
        .target(name: "EdgeCrypto", dependencies: ["COpenSSL", "EdgeSystem"]),
        // Enrolment: one-time tokens, certificate requests and the CA that signs them.
        .target(name: "Enrolment", dependencies: ["COpenSSL", "EdgeCrypto", "EdgeSystem", "EdgeJSON"]),
        .target(
            name: "EdgeCore",
            dependencies: ["EdgeSystem", .product(name: "DequeModule", package: "swift-collections")]),
        .target(name: "JPEGEncoding", dependencies: ["CTurboJPEG", "EdgeCore"]),
        .target(name: "V4L2Capture", dependencies: ["CV4L2", "EdgeCore", "EdgeSystem", "JPEGEncoding", "Bitstream"]),
        .target(name: "Bitstream", dependencies: ["EdgeCore"]),
        .target(name: "FrameSources", dependencies: ["EdgeCore", "EdgeSystem", "JPEGEncoding", "Bitstream"]),
        .target(name: "Matroska", dependencies: ["EdgeCore", "EdgeSystem"]),
        .target(name: "Segmenter", dependencies: ["Bitstream", "EdgeCore", "EdgeSystem", "Matroska"]),
        .target(name: "RecorderConfig", dependencies: ["EdgeJSON", "EdgeCore", "EdgeSystem", "AgeKeys"]),
        // age recipients (`age1…`) and age's errors, with no libcrypto: what a config names.
        .target(name: "AgeKeys", dependencies: ["EdgeSystem"]),
        .target(name: "AgeEncryption", dependencies: ["AgeKeys", "COpenSSL", "EdgeCore", "EdgeCrypto", "EdgeSystem"]),
        .target(name: "DeviceIdentity", dependencies: ["COpenSSL", "EdgeCrypto", "EdgeSystem"]),
        .target(
            name: "Custody", dependencies: ["EdgeCrypto", "EdgeJSON", "EdgeSystem", "DeviceIdentity"],
            exclude: ["MANIFEST.md"]),
        // The ring: layout, bounds, holds, eviction, acknowledgements. It knows files, not
        // keys: loss records are signed through `RingCustody`, which the sealer provides.
        .target(name: "SegmentRing", dependencies: ["EdgeSystem", "EdgeJSON", "RecorderConfig"]),
        // Segments sealed as written: Matroska bytes → age → SHA-256 → signed manifest in the
        // ring; the custody ledger; recovery after a crash.
        .target(
            name: "Sealer",
            dependencies: [
                "AgeEncryption", "Custody", "DeviceIdentity", "EdgeCore", "EdgeCrypto", "EdgeJSON", "EdgeSystem",
                "SegmentRing", "Segmenter",
            ]),
        // Signed firmware releases (RELEASE.md): the archive, its manifest, the checks a
        // gateway makes before installing one.
        .target(
            name: "Release", dependencies: ["DeviceIdentity", "EdgeCrypto", "EdgeJSON", "EdgeSystem"],
            exclude: ["RELEASE.md"]),
        // The gateway's side of updates: A/B slots, install on probation, commit, roll back.
        .target(name: "Updater", dependencies: ["DeviceIdentity", "EdgeCrypto", "EdgeJSON", "EdgeSystem", "Release"]),
        // The gateway's side of the centre's updates: desired state, resumable release
        // downloads, reports (Sources/Uplink/PROTOCOL.md).
        .target(name: "UpdateChannel", dependencies: ["DeviceIdentity", "EdgeCrypto", "EdgeJSON", "EdgeSystem", "Release", "Updater", "Uplink"]),
        .target(
            name: "Uplink", dependencies: ["CCurl", "EdgeCrypto", "EdgeSystem", "EdgeJSON", "SegmentRing"],
            exclude: ["PROTOCOL.md", "openapi.yaml"]),
        // The daemon's control socket: HTTP/1.1 + JSON on a Unix socket (SwiftNIO's HTTP/1
        // server, not Hummingbird: the gateway binary stays small).
        .target(
            name: "ControlSocket",
            dependencies: [
                "EdgeSystem", "EdgeJSON",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            exclude: ["openapi.yaml"]),
        // The health board and the watchdogs it feeds (hardware, systemd).
        .target(name: "Watchdog", dependencies: ["CLinux", "EdgeSystem"]),
        // The audit log of changes made through the control socket (and by edgectl offline).
        .target(name: "ControlAudit", dependencies: ["EdgeSystem", "EdgeJSON"]),
        // edgectl's side of the control socket: plain C library calls (no NIO).
        .target(name: "ControlClient", dependencies: ["EdgeSystem"]),
        // The recording: cameras as services, their supervisor and roster, config apply and
        // history, events, metrics, health checks.
        .target(
            name: "Recorder",
            dependencies: [
                "AgeKeys", "ControlAudit", "ControlSocket", "EdgeCore", "EdgeJSON", "EdgeSystem", "FrameSources",
                "RecorderConfig", "SegmentRing", "Sealer", "Segmenter", "Uplink", "Watchdog",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: faultSwitches),
        // The daemon's answers on the control socket (Sources/ControlSocket/openapi.yaml).
        .target(
            name: "ControlRoutes",
            dependencies: [
                "ControlAudit", "ControlSocket", "EdgeCore", "EdgeJSON", "EdgeSystem", "Recorder", "RecorderConfig",
                "SegmentRing", "Uplink", "Watchdog",
            ]),
        // The daemon as one service group: wiring, start-up, the order of shutdown.
        .target(
            name: "Daemon",
            dependencies: [
                "ControlAudit", "ControlClient", "ControlRoutes", "ControlSocket", "Custody", "DeviceIdentity", "EdgeCore",
                "EdgeJSON", "EdgeSystem", "Recorder", "RecorderConfig", "SegmentRing", "Sealer", "Segmenter", "UpdateChannel",
                "Updater", "Uplink", "Watchdog",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // The command centre's upload receiver (Sources/Uplink/PROTOCOL.md), behind `edge-centre serve`.
        .target(
            name: "CentreReceiver",
            dependencies: [
                "Custody", "DeviceIdentity", "EdgeCrypto", "EdgeSystem", "EdgeJSON", "Enrolment",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Executables: thin adapters over the libraries.
        .executableTarget(
            name: "edge-recorderd",
            dependencies: [
                "Daemon", "Recorder", "RecorderConfig", "V4L2Capture", "EdgeCore", "EdgeSystem", "Updater",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "edgectl",
            dependencies: [
                "RecorderConfig", "V4L2Capture", "EdgeCore", "EdgeSystem", "DeviceIdentity", "SegmentRing",
                "ControlClient", "ControlAudit", "EdgeJSON", "Updater", "Enrolment", "Uplink", "EdgeCrypto", "QRCode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "edge-centre",
            dependencies: [
                "Custody", "AgeEncryption", "DeviceIdentity", "EdgeCore", "EdgeCrypto", "EdgeJSON", "EdgeSystem", "CentreReceiver",
                "Release", "Enrolment",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: faultSwitches),

        // The benchmark driver, run by Tools/bench in a release build.
        .executableTarget(
            name: "edge-bench",
            dependencies: [
                "EdgeCore", "EdgeSystem", "FrameSources", "Segmenter", "AgeEncryption", "SegmentRing", "Sealer", "Custody",
                "DeviceIdentity", "Uplink", "JPEGEncoding",
            ],
            path: "Benchmarks/edge-bench"),

        // Fuzz targets (Fuzz/README.md): libFuzzer entry points, run by Tools/fuzz in a
        // `-DFUZZING` release build; in every other build each is a replay runner for its
        // corpus, so the normal build links and type-checks them.
        .target(name: "FuzzSupport", dependencies: ["EdgeSystem"], path: "Fuzz/FuzzSupport"),
        fuzzTarget("fuzz-json", data: ["corpus"], dependencies: ["EdgeJSON"]),
        fuzzTarget("fuzz-config", data: ["corpus", "dict"], dependencies: ["RecorderConfig", "EdgeJSON"]),
        fuzzTarget("fuzz-age", data: ["corpus"], dependencies: ["AgeEncryption", "EdgeCore", "COpenSSL"]),
        fuzzTarget("fuzz-manifest", data: ["corpus", "dict", "regressions"], dependencies: ["Custody", "DeviceIdentity", "EdgeSystem", "COpenSSL"]),
        fuzzTarget("fuzz-release", data: ["corpus"], dependencies: ["Release", "DeviceIdentity", "EdgeSystem"]),
        fuzzTarget("fuzz-bitstream", data: ["corpus"], dependencies: ["Bitstream", "FrameSources", "Segmenter", "EdgeCore", "EdgeSystem"]),
        fuzzTarget("fuzz-control", data: ["corpus", "dict", "regressions"], dependencies: ["ControlSocket", "EdgeJSON", "EdgeSystem"]),
        fuzzTarget(
            "fuzz-centre", data: ["corpus", "regressions"],
            dependencies: [
                "CentreReceiver", "Custody", "DeviceIdentity", "EdgeCrypto", "EdgeSystem",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),

        // One test target per library, sharing fixtures and helpers from TestSupport.
        .target(name: "TestSupport", dependencies: ["EdgeCore", "EdgeSystem"], path: "Tests/TestSupport"),
        .testTarget(name: "EdgeSystemTests", dependencies: ["TestSupport", "EdgeSystem"]),
        .testTarget(name: "EdgeJSONTests", dependencies: ["TestSupport", "EdgeJSON"]),
        .testTarget(name: "EdgeCryptoTests", dependencies: ["EdgeCrypto", "COpenSSL"]),
        .testTarget(name: "EnrolmentTests", dependencies: ["TestSupport", "Enrolment", "EdgeCrypto", "EdgeSystem"]),
        .testTarget(name: "EdgeCoreTests", dependencies: ["TestSupport", "EdgeCore", "EdgeSystem"]),
        .testTarget(name: "V4L2CaptureTests", dependencies: ["TestSupport", "V4L2Capture", "CV4L2", "EdgeCore", "EdgeSystem"]),
        .testTarget(name: "BitstreamTests", dependencies: ["TestSupport", "Bitstream", "EdgeCore"]),
        .testTarget(name: "JPEGEncodingTests", dependencies: ["TestSupport", "JPEGEncoding", "EdgeCore", "EdgeSystem"]),
        .testTarget(name: "FrameSourcesTests", dependencies: ["TestSupport", "FrameSources", "EdgeCore", "EdgeSystem"]),
        .testTarget(name: "MatroskaTests", dependencies: ["TestSupport", "Matroska", "Bitstream", "EdgeCore", "EdgeSystem"]),
        .testTarget(name: "SegmenterTests", dependencies: ["TestSupport", "Segmenter", "FrameSources", "EdgeCore", "EdgeSystem"]),
        .testTarget(
            name: "RecorderConfigTests", dependencies: ["TestSupport", "RecorderConfig", "AgeEncryption", "EdgeCore", "EdgeJSON", "EdgeSystem"]),
        .testTarget(
            name: "AgeEncryptionTests", dependencies: ["AgeEncryption", "EdgeCore", "EdgeCrypto", "EdgeSystem"],
            exclude: ["Vectors"]),
        .testTarget(name: "DeviceIdentityTests", dependencies: ["DeviceIdentity", "EdgeSystem"]),
        .testTarget(
            name: "ReleaseTests", dependencies: ["TestSupport", "Release", "DeviceIdentity", "EdgeCrypto", "EdgeJSON", "EdgeSystem"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "Recorder", "EdgeJSON", "EdgeSystem"]),
        .testTarget(
            name: "UpdaterTests",
            dependencies: [
                "TestSupport", "Updater", "UpdateChannel", "Uplink", "Release", "DeviceIdentity", "EdgeCrypto", "EdgeJSON",
                "EdgeSystem",
            ]),
        .testTarget(
            name: "CustodyTests",
            dependencies: ["TestSupport", "Custody", "DeviceIdentity", "AgeEncryption", "EdgeCrypto", "EdgeJSON", "EdgeSystem"]),
        .testTarget(
            name: "SegmentRingTests",
            dependencies: [
                "TestSupport", "SegmentRing", "Sealer", "Segmenter", "FrameSources", "Custody", "DeviceIdentity", "AgeEncryption",
                "EdgeSystem", "EdgeCore",
            ]),
        .testTarget(
            name: "SealerTests",
            dependencies: [
                "TestSupport", "Sealer", "SegmentRing", "Segmenter", "FrameSources", "Custody", "DeviceIdentity", "AgeEncryption",
                "EdgeSystem", "EdgeCore",
            ]),
        .testTarget(
            name: "CentreReceiverTests",
            dependencies: [
                "TestSupport", "CentreReceiver", "Custody", "DeviceIdentity", "EdgeCrypto", "EdgeJSON", "EdgeSystem", "COpenSSL", "Enrolment",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .testTarget(
            name: "ControlSocketTests", dependencies: ["TestSupport", "ControlSocket", "ControlClient", "EdgeJSON", "EdgeSystem"]),
        .testTarget(name: "WatchdogTests", dependencies: ["TestSupport", "Watchdog", "EdgeSystem"]),
        .testTarget(
            name: "RecorderTests",
            dependencies: [
                "TestSupport", "Recorder", "RecorderConfig", "Segmenter", "EdgeCore", "EdgeSystem", "EdgeJSON",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "EdgectlTests", dependencies: ["TestSupport", "ControlSocket", "EdgeSystem"], exclude: ["Transcripts"]),
        .testTarget(name: "QRCodeTests", dependencies: ["QRCode"]),
        .testTarget(
            name: "UplinkTests", dependencies: ["TestSupport", "Uplink", "SegmentRing", "EdgeSystem"],
            exclude: ["LoopbackServer.py"]),
    ],
    swiftLanguageModes: [.v6]
)

/// A fuzz target in `Fuzz/<name>/`: Swift files beside its data, which is not source: the
/// seed corpus (`corpus/`), the inputs of crashes found and fixed (`regressions/`) and a
/// libFuzzer dictionary (`dict`). `data` names the ones the target has, so this manifest
/// reads nothing from the disk (SwiftPM caches what it evaluates): a target's first
/// regression input adds "regressions" here.
func fuzzTarget(_ name: String, data: [String], dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport"] + dependencies, path: "Fuzz/\(name)", exclude: data)
}
