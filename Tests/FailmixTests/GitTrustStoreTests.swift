import Foundation
import Testing
@testable import FailmixGit

/// libgit2 (built with mbedTLS, as Debian does) parses the system CA bundle
/// in git_libgit2_init; failmix answers those requests itself so that no run
/// pays for certificates it never uses.
@Suite struct GitTrustStoreTests {
    @Test func libgit2sCertificateLoadingIsAnsweredWithoutParsing() throws {
        // libgit2 asks only when its compiled-in bundle exists (Debian's path).
        let bundles = ["/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/certs"]
        guard bundles.contains(where: { FileManager.default.fileExists(atPath: $0) }) else { return }
        LibGit2.ensureInitialized()
        #expect(LibGit2.trustStoreRequests >= 1, "libgit2 parsed the CA bundle itself: the interposition is not linked")
    }
}
