// swift-tools-version: 6.1
import PackageDescription

// Sources/ reads top-down as the pipeline: Records → Classify → Evidence (git)
// → Gate → Render, one module per stage, each importing only earlier stages.
// Linux only: libcurl is loaded by its Linux library names (libcurl.so.4)
// and file identity reads st_mtim; so no `platforms` claim.
let package = Package(
    name: "failmix",
    products: [
        .executable(name: "failmix", targets: ["failmix"]),
        // The stamping hook's fast path: no libgit2, no Foundation.
        .executable(name: "failmix-stamp", targets: ["failmix-stamp"]),
        .library(name: "FailmixKit", targets: ["FailmixKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // libgit2 from the system (Debian: libgit2-dev). Only FailmixGit imports it.
        .systemLibrary(
            name: "CLibGit2",
            path: "Sources/CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        // PCRE2 (Debian: libpcre2-dev, which libgit2-dev depends on): the
        // `[git] subject_patterns` regexes, in ICU's and Perl's syntax.
        .systemLibrary(
            name: "CPCRE2",
            path: "Sources/CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"])]
        ),
        // Commit-message trailers placed as git places them: plain Swift and libc.
        .target(name: "FailmixTrailers", dependencies: ["FailmixSupport"], path: "Sources/Trailers"),
        .executableTarget(name: "failmix-stamp", dependencies: ["FailmixTrailers"], path: "Sources/failmix-stamp"),
        // libgit2's TLS trust store, never used by failmix, not parsed at start.
        .target(name: "CGitTrustStore", path: "Sources/CGitTrustStore"),
        .target(
            name: "FailmixGit",
            dependencies: ["CLibGit2", "CGitTrustStore", "FailmixSupport", .product(name: "HeapModule", package: "swift-collections")],
            path: "Sources/Git"
        ),
        // Bytes and files: binary coding, the stable hash, atomic writes, pread.
        .target(name: "FailmixSupport", path: "Sources/Support"),
        .target(name: "FailmixRecords", dependencies: ["FailmixSupport"], path: "Sources/Records"),
        // Caches kept between runs: the gate's incremental records cache.
        .target(name: "FailmixStore", dependencies: ["FailmixRecords", "FailmixSupport"], path: "Sources/Store"),
        .target(name: "FailmixClassify", dependencies: ["FailmixRecords"], path: "Sources/Classify"),
        .target(
            name: "FailmixEvidence",
            dependencies: ["CPCRE2", "FailmixRecords", "FailmixClassify", "FailmixGit", "FailmixSupport", "FailmixTrailers"],
            path: "Sources/Evidence"
        ),
        .target(
            name: "FailmixGate",
            dependencies: ["FailmixRecords", "FailmixClassify", "FailmixSupport"],
            path: "Sources/Gate"
        ),
        .target(
            name: "FailmixRender",
            // FailmixGit only for libgit2's version in Prometheus' failmix_build_info.
            dependencies: ["FailmixRecords", "FailmixClassify", "FailmixEvidence", "FailmixGate", "FailmixSupport"],
            path: "Sources/Render"
        ),
        // `.failmix.toml`: the policy and every stage's settings.
        .target(
            name: "FailmixConfig",
            dependencies: ["FailmixRecords", "FailmixClassify", "FailmixEvidence", "FailmixGate", "FailmixSupport", "TOMLKit", "CTOMLRelease"],
            path: "Sources/Config"
        ),
        // Returns a parsed TOML table's storage to C++ (TOMLKit's C layer exports no delete).
        .target(name: "CTOMLRelease", path: "Sources/CTOMLRelease"),
        // Delivery of rendered results to CI services (GitHub, GitLab) over HTTP.
        // libcurl's variadic setopt/getinfo, called from C (libcurl itself is loaded at run time).
        .target(name: "CCurlShim", path: "Sources/CCurlShim"),
        .target(name: "FailmixPublish", dependencies: ["CCurlShim", "FailmixSupport"], path: "Sources/Publish"),
        // The whole pipeline behind one import, for the CLI and tests.
        .target(
            name: "FailmixKit",
            dependencies: [
                "FailmixRecords", "FailmixClassify", "FailmixEvidence", "FailmixGate", "FailmixRender",
                "FailmixGit", "FailmixPublish", "FailmixConfig", "FailmixStore", "FailmixSupport", "FailmixTrailers",
            ],
            path: "Sources/Pipeline"
        ),
        .executableTarget(
            name: "failmix",
            dependencies: [
                "FailmixKit", "FailmixSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "FailmixTests", dependencies: ["FailmixKit", "FailmixGit", "FailmixStore", "FailmixSupport", "FailmixTrailers"]),
    ],
    swiftLanguageModes: [.v6]
)
