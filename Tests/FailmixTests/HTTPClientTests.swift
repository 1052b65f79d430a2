import Foundation
import Testing
@testable import FailmixKit

@Suite struct HTTPClientTests {
    @Test func retriesOn502ThenSucceeds() throws {
        let server = try TestHTTPServer { _, i in i < 2 ? .init(status: 502) : .json(201, ["id": 7]) }
        defer { server.stop() }
        let client = HTTPClient(retry: RetryPolicy(attempts: 4, baseDelay: 0.01))
        let r = try client.send(.json("POST", server.url + "/x", ["a": 1]))
        #expect(r.status == 201)
        #expect(server.requests.count == 3)
        #expect(server.requests.allSatisfy { $0.method == "POST" && $0.path == "/x" })
        #expect((server.requests[0].json as? [String: Int]) == ["a": 1])
    }

    @Test func honoursRetryAfter() async throws {
        let server = try TestHTTPServer { _, i in
            i == 0 ? .init(status: 429, headers: ["Retry-After": "1"]) : .json(200, [:])
        }
        defer { server.stop() }
        let start = Date()
        let url = server.url
        _ = try await offPool { try HTTPClient(retry: RetryPolicy(attempts: 2, baseDelay: 0.01)).send(.json("GET", url + "/", nil)) }  // waits the second
        #expect(Date().timeIntervalSince(start) >= 0.9)
    }

    @Test func clientErrorsAreNotRetriedAndNeverShowTheToken() throws {
        let token = "ghp_secretsecret"
        let server = try TestHTTPServer { _, _ in .json(403, ["message": "Resource not accessible by integration \(token)"]) }
        defer { server.stop() }
        let client = HTTPClient(retry: RetryPolicy(attempts: 3, baseDelay: 0.01), secrets: [token])
        do {
            _ = try client.send(.json("POST", server.url + "/y", [:], headers: ["Authorization": "Bearer \(token)"]))
            Issue.record("expected a 403")
        } catch {
            #expect(error.statusCode == 403)
            #expect(!"\(error)".contains(token))
        }
        #expect(server.requests.count == 1)
        #expect(server.requests[0].headers["authorization"] == "Bearer \(token)")
    }

    @Test func unreachableServerIsANetworkError() throws {
        let server = try TestHTTPServer { _, _ in .json(200, [:]) }
        let url = server.url
        server.stop()
        #expect(throws: HTTPError.self) {
            try HTTPClient(retry: RetryPolicy(attempts: 2, baseDelay: 0.01), timeout: 2).send(.json("GET", url + "/", nil))
        }
    }
}
