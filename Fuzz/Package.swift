// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for failmix's parsers and decoders, built by `make fuzz`
// with `-sanitize=fuzzer` and AddressSanitizer (Swift on Linux offers no
// UBSan; Swift itself traps on overflow and bad indices, which is what the
// fuzzer hunts). One executable holds every target: `failmix-fuzz TARGET
// [libFuzzer flags…]`. It reaches internals through @testable imports, so the
// package is built with -enable-testing.
let package = Package(
    name: "failmix-fuzz",
    dependencies: [.package(name: "failmix", path: "..")],
    targets: [
        .executableTarget(
            name: "failmix-fuzz",
            dependencies: [.product(name: "FailmixKit", package: "failmix")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
