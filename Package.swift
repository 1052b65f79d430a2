// swift-tools-version: 6.1
import PackageDescription

// Sources/ reads top-down as the pipeline: Records → Classify → Evidence (git)
// → Gate → Render, one module per stage, each importing only earlier stages.
let package = Package(
    name: "failmix",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "failmix", targets: ["failmix"]),
        .library(name: "FailmixKit", targets: ["FailmixKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // libgit2 from the system (Debian: libgit2-dev). Only FailmixGit imports it.
        .systemLibrary(
            name: "CLibGit2",
            path: "Sources/CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"]), .brew(["libgit2"])]
        ),
        .target(name: "FailmixGit", dependencies: ["CLibGit2"], path: "Sources/Git"),
        .target(name: "FailmixRecords", path: "Sources/Records"),
        .target(name: "FailmixClassify", dependencies: ["FailmixRecords"], path: "Sources/Classify"),
        .target(
            name: "FailmixEvidence",
            dependencies: ["FailmixRecords", "FailmixClassify", "FailmixGit"],
            path: "Sources/Evidence"
        ),
        .target(
            name: "FailmixGate",
            dependencies: ["FailmixRecords", "FailmixClassify", "FailmixEvidence"],
            path: "Sources/Gate"
        ),
        .target(
            name: "FailmixRender",
            dependencies: ["FailmixRecords", "FailmixClassify", "FailmixEvidence", "FailmixGate"],
            path: "Sources/Render"
        ),
        // `.failmix.toml`: the policy and every stage's settings.
        .target(
            name: "FailmixConfig",
            dependencies: ["FailmixRecords", "FailmixClassify", "FailmixEvidence", "FailmixGate", "TOMLKit"],
            path: "Sources/Config"
        ),
        // Delivery of rendered results to CI services (GitHub, GitLab) over HTTP.
        .target(name: "FailmixPublish", path: "Sources/Publish"),
        // The whole pipeline behind one import, for the CLI and tests.
        .target(
            name: "FailmixKit",
            dependencies: [
                "FailmixRecords", "FailmixClassify", "FailmixEvidence", "FailmixGate", "FailmixRender",
                "FailmixGit", "FailmixPublish", "FailmixConfig",
            ],
            path: "Sources/Pipeline"
        ),
        .executableTarget(
            name: "failmix",
            dependencies: [
                "FailmixKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "FailmixTests", dependencies: ["FailmixKit", "FailmixGit"]),
    ],
    swiftLanguageModes: [.v6]
)
