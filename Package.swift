// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "xietong",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "xietong", targets: ["xietong"]),
        .library(name: "XietongCore", targets: ["XietongCore"]),
        .library(name: "XietongStore", targets: ["XietongStore"]),
        .library(name: "XietongHub", targets: ["XietongHub"]),
        .library(name: "XietongNode", targets: ["XietongNode"]),
        .library(name: "XietongClient", targets: ["XietongClient"]),
        .library(name: "XietongTesting", targets: ["XietongTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Traces by OTLP over HTTP only (issue 22): the gRPC trait would add grpc-swift to every build.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Domain, flow catalog, unified code, XML package codec and quality checks. No I/O beyond
        // reading its own bundled data files.
        .target(
            name: "XietongCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        // The system SQLite library (Debian: libsqlite3-dev), the embedded default store.
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // libHaru, the PDF writer of generated documents (issue 26).
        .systemLibrary(name: "CHaru", providers: [.apt(["libhpdf-dev"])]),
        // Generated documents and their seals (issue 26, SZ-2/SZ-6): PDF by libHaru, signatures by PoDoFo's podofosign,
        // verification by poppler's pdfsig.
        // Child processes by posix_spawn and waitpid (Foundation's `Process` can miss a child's exit under load).
        .target(name: "XietongProcess", swiftSettings: swiftSettings),
        .target(
            name: "XietongDocuments",
            dependencies: [
                "XietongCore", "XietongProcess", "CHaru", .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        // The VFS the embedded database opens its files with: the default one, with each transaction's WAL frames
        // written in one system call.
        .target(name: "CSQLiteVFS", linkerSettings: [.linkedLibrary("sqlite3")]),
        // Store protocols and their SQL, run on the embedded SQLite or on PostgreSQL (ZJ-7.2.2).
        .target(
            name: "XietongStore",
            dependencies: [
                "XietongCore", "CSQLite", "CSQLiteVFS",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // What the hub and the nodes share at the HTTP edge: JSON responses and errors, authentication helpers.
        .target(
            name: "XietongHTTP",
            dependencies: [
                "XietongStore",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        // Trust (issue 6): the platform's PKI, TLS set-up, package signatures and the evidence log's proofs.
        .target(
            name: "XietongTrust",
            dependencies: [
                "XietongCore",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The committee's central hub (ZJ-5.2.1).
        .target(
            name: "XietongHub",
            dependencies: [
                "XietongCore", "XietongStore", "XietongHTTP", "XietongTrust",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // An agency's exchange node (ZJ-5.2.1, GZ-2).
        .target(
            name: "XietongNode",
            dependencies: [
                "XietongCore", "XietongStore", "XietongHTTP", "XietongTrust", "XietongDocuments",
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        // The typed clients of a node's API and of the hub's, for the demo, the simulator, the benchmarks, the
        // command line and the tests: one place where a request is built and its answer read.
        .target(
            name: "XietongClient",
            dependencies: [
                "XietongCore", "XietongHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // A witness of a hub's evidence log (issue 23, SZ-3): mirrors it, checks every head, countersigns.
        .target(
            name: "XietongWitness",
            dependencies: [
                "XietongCore", "XietongStore", "XietongHTTP", "XietongTrust",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Running an exchange on this machine, for the demo, the benchmarks and the tests: one `LocalTopology` deciding
        // the hub's and nodes' configurations (loopback ports, secrets, TLS files), run in-process by the demo or as child
        // processes by `LocalExchange`; a throw-away PostgreSQL server, small PDF fixtures.
        .target(
            name: "XietongLocal",
            dependencies: [
                "XietongProcess", "XietongCore", "XietongStore", "XietongHTTP", "XietongTrust", "XietongHub", "XietongNode", "XietongWitness",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The demo: simulated business systems and a full criminal case played through a hub and five nodes.
        .target(
            name: "XietongDemo",
            dependencies: [
                "XietongCore", "XietongStore", "XietongHTTP", "XietongHub", "XietongNode", "XietongTrust", "XietongLocal", "XietongClient",
                "XietongWitness",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Helpers for tests: fixture builders, temporary directories, example generation.
        .target(
            name: "XietongTesting",
            dependencies: [
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                "XietongCore", "XietongStore", "XietongHTTP", "XietongHub", "XietongNode", "XietongLocal", "XietongClient", "XietongTrust",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "xietong",
            dependencies: [
                "XietongCore", "XietongStore", "XietongHTTP", "XietongHub", "XietongNode", "XietongDemo", "XietongLocal", "XietongTrust",
                "XietongClient", "XietongWitness",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "XietongCoreTests",
            dependencies: ["XietongCore", "XietongTesting", "XietongLocal"],
            resources: [.copy("Golden")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "XietongHTTPTests",
            dependencies: [
                "XietongHTTP", "XietongCore", "XietongStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "XietongNodeTests",
            dependencies: [
                "XietongNode", "XietongCore", "XietongStore", "XietongTesting", "XietongHTTP", "XietongTrust", "XietongDocuments", "XietongProcess",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "XietongClientTests",
            dependencies: [
                "XietongClient", "XietongNode", "XietongHub", "XietongCore", "XietongHTTP", "XietongTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "XietongTrustTests",
            dependencies: ["XietongTrust", "XietongCore", "XietongTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "XietongStoreTests",
            dependencies: ["XietongStore", "XietongTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "XietongHubTests",
            dependencies: [
                "XietongHub", "XietongNode", "XietongHTTP", "XietongTrust", "XietongTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "XietongTesting", "XietongCore", "XietongLocal", "XietongStore", "XietongTrust", "XietongClient", "XietongDemo", "XietongDocuments",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CLITests",
            dependencies: [
                "XietongTesting", "XietongStore", "XietongLocal", "XietongHub", "XietongNode", "XietongHTTP", "XietongCore", "XietongTrust",
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
