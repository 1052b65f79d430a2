import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    public static func json(_ method: String, _ url: String, _ object: JSONValue?, headers: [String: String] = [:]) -> HTTPRequest {
        var h = headers
        var body: Data?
        if let object {
            h["Content-Type"] = "application/json"
            body = object.serialized
        }
        return HTTPRequest(method: method, url: url, headers: h, body: body)
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lower-cased.
    public var headers: [String: String]
    public var body: Data

    public var json: JSONValue? { JSONValue(parsing: body) }
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
            Threads.sleep(seconds: min(max(wait, 0), retry.maxDelay))
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
        let trimmed = String(value.trimmingBlanks)
        if let seconds = Double(trimmed) { return seconds }
        return httpDate(trimmed).map { max(0, $0 - Date().timeIntervalSince1970) }
    }

    /// Seconds since 1970 of an HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT",
    /// RFC 9110's IMF-fixdate, the form servers must send).
    static func httpDate(_ text: String) -> Double? {
        let parts = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT",
            let day = Int32(parts[1]), (1...31).contains(day), let month = months.firstIndex(of: String(parts[2])),
            let year = Int32(parts[3]), (1970...9999).contains(year)
        else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, let hour = Int32(clock[0]), let minute = Int32(clock[1]), let second = Int32(clock[2]),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        var fields = tm()
        fields.tm_year = year - 1900
        fields.tm_mon = Int32(month)
        fields.tm_mday = day
        fields.tm_hour = hour
        fields.tm_min = minute
        fields.tm_sec = second
        return Double(timegm(&fields))
    }

    /// The error's message, secrets redacted first and only then cut to
    /// 200 characters (cutting first could leave part of a token unredacted).
    static func message(from response: HTTPResponse, redactor: SecretRedactor) -> String {
        let text: String
        if let message = response.json?["message"]?.string {
            text = message
        } else {
            text = String(decoding: response.body.prefix(64 << 10), as: UTF8.self)
        }
        let redacted = redactor.redact(text)
        return redacted.count > 200 ? String(redacted.prefix(200)) + "…" : redacted
    }

    func redact(_ text: String) -> String { redactor.redact(text) }
}
