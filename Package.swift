// swift-tools-version: 6.1
import PackageDescription

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
        .target(name: "FailmixGit", dependencies: ["CLibGit2"]),
        // The pipeline: Records → Classify → Evidence → Gate → Render.
        .target(name: "FailmixKit", dependencies: ["FailmixGit", "TOMLKit"]),
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
