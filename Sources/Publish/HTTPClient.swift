import Foundation

public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [String: String]
    public var body: Data?

    public init(method: String, url: String, headers: [String: String] = [:], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// A JSON request (the body is serialised with sorted keys, so it is stable).
    public static func json(_ method: String, _ url: String, _ object: Any?, headers: [String: String] = [:]) -> HTTPRequest {
        var h = headers
        var body: Data?
        if let object {
            h["Content-Type"] = "application/json"
            body = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        }
        return HTTPRequest(method: method, url: url, headers: h, body: body)
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lower-cased.
    public var headers: [String: String]
    public var body: Data

    public var json: Any? { try? JSONSerialization.jsonObject(with: body) }
}

/// Why a request failed. Messages never carry request headers, so a token
/// can't leak through them; `redacting` scrubs any echo of it from bodies.
public enum HTTPError: Error, Sendable, CustomStringConvertible {
    case network(method: String, url: String, reason: String)
    case status(method: String, url: String, code: Int, message: String)

    public var statusCode: Int? {
        if case let .status(_, _, code, _) = self { return code }
        return nil
    }

    public var description: String {
        switch self {
        case let .network(method, url, reason): "\(method) \(url): \(reason)"
        case let .status(method, url, code, message): "\(method) \(url): HTTP \(code)\(message.isEmpty ? "" : ": " + message)"
        }
    }
}

public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var attempts = 4
    public var baseDelay: Double = 0.5
    /// No single wait is longer than this, whatever Retry-After asks.
    public var maxDelay: Double = 20

    public init(attempts: Int = 4, baseDelay: Double = 0.5, maxDelay: Double = 20) {
        self.attempts = attempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    public static let none = RetryPolicy(attempts: 1)
}

/// A small synchronous HTTP client for CI API calls: timeouts, retries with
/// exponential backoff on 429, 5xx and network errors, honouring Retry-After.
public final class HTTPClient: Sendable {
    public let retry: RetryPolicy
    public let timeout: Double
    private let redactor: SecretRedactor

    /// When the run's time is up (nil: unbounded): no request starts after
    /// it, no request or retry wait outlasts it.
    private let budget: @Sendable () -> Date?
    var budgetEnds: Date? { budget() }

    public init(
        retry: RetryPolicy = RetryPolicy(), timeout: Double = 10, secrets: [String] = [],
        budgetEnds: @escaping @Sendable () -> Date? = { nil }
    ) {
        budget = budgetEnds
        self.retry = retry
        self.timeout = timeout
        redactor = SecretRedactor(secrets)
    }

    public func send(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse {
        var attempt = 0
        while true {
            attempt += 1
            let left = budgetEnds.map { $0.timeIntervalSinceNow } ?? .infinity
            guard left > 0.2 else {
                throw .network(method: request.method, url: request.url, reason: "out of time (the run's timeout)")
            }
            let result = once(request, timeout: min(timeout, left))
            let retryable: Bool
            var wait = retry.baseDelay * pow(2, Double(attempt - 1))
            switch result {
            case .success(let response):
                if (200..<300).contains(response.status) { return response }
                retryable = response.status == 429 || response.status >= 500
                if let after = response.headers["retry-after"].flatMap(Self.retryAfterSeconds) { wait = after }
                if !retryable || attempt >= retry.attempts {
                    throw .status(method: request.method, url: request.url, code: response.status,
                                  message: Self.message(from: response, redactor: redactor))
                }
            case .failure(let error):
                if attempt >= retry.attempts { throw error }
            }
            let remaining = budgetEnds.map { $0.timeIntervalSinceNow } ?? .infinity
            if min(max(wait, 0), retry.maxDelay) >= remaining - 0.2 {
                // Waiting would outlast the run: fail now with the last answer.
                switch result {
                case .success(let response):
                    throw .status(method: request.method, url: request.url, code: response.status,
                                  message: Self.message(from: response, redactor: redactor))
                case .failure(let error): throw error
                }
            }
            Thread.sleep(forTimeInterval: min(max(wait, 0), retry.maxDelay))
        }
    }

    private func once(_ request: HTTPRequest, timeout: Double) -> Result<HTTPResponse, HTTPError> {
        guard request.url.hasPrefix("https://") || request.url.hasPrefix("http://") else {
            return .failure(.network(method: request.method, url: request.url, reason: "not an http(s) URL"))
        }
        switch Curl.shared {
        case .failure(let error):
            return .failure(.network(method: request.method, url: request.url, reason: error.message))
        case .success(let curl):
            return curl.perform(request, timeout: timeout).mapError {
                .network(method: request.method, url: request.url, reason: redact($0.reason))
            }
        }
    }

    /// Seconds to wait from a Retry-After value: delta-seconds or an HTTP date.
    static func retryAfterSeconds(_ value: String) -> Double? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed) { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: trimmed).map { max(0, $0.timeIntervalSinceNow) }
    }

    /// The error's message, secrets redacted first and only then cut to
    /// 200 characters (cutting first could leave part of a token unredacted).
    static func message(from response: HTTPResponse, redactor: SecretRedactor) -> String {
        let text: String
        if let object = response.json as? [String: Any], let message = object["message"] as? String {
            text = message
        } else {
            text = String(decoding: response.body.prefix(64 << 10), as: UTF8.self)
        }
        let redacted = redactor.redact(text)
        return redacted.count > 200 ? String(redacted.prefix(200)) + "…" : redacted
    }

    func redact(_ text: String) -> String { redactor.redact(text) }
}
