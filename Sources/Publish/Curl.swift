import CCurlShim
import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libcurl, loaded when the first request is made rather than linked: the
/// pre-session gate starts a process before every agent session and never
/// publishes, and linking Foundation's URLSession pulled libcurl's whole
/// dependency tree (TLS, Kerberos, LDAP) into every start — half of a warm
/// gate's 24 ms. `libcurl.so.4` is present wherever Swift's Foundation runs.
///
/// Publish's one audited unsafe file (everything else sees `HTTPRequest` and
/// `HTTPResponse`):
/// - Symbols: each is cast to the C type libcurl documents for it, once, at
///   load; the variadic setopt/getinfo go through the C shim.
/// - Lifetime: every pointer handed to libcurl (URL, method, headers list,
///   body, error buffer, the response sink) outlives `easyPerform`: they are
///   pinned by the enclosing `with…` closures and `defer`s, and the sink is
///   passed unretained while `perform` holds it.
/// - Who frees: the handle and the header list, by `defer`, after the transfer.
/// - Bounds: callbacks read exactly `size * count` bytes libcurl hands them.
final class Curl: @unchecked Sendable {  // immutable after load; libcurl handles are per request
    typealias Handle = OpaquePointer
    private typealias EasyInit = @convention(c) () -> Handle?
    private typealias EasyPerform = @convention(c) (Handle?) -> Int32
    private typealias EasyCleanup = @convention(c) (Handle?) -> Void
    private typealias StrError = @convention(c) (Int32) -> UnsafePointer<CChar>?
    private typealias SlistAppend = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> OpaquePointer?
    private typealias SlistFree = @convention(c) (OpaquePointer?) -> Void
    private typealias GlobalInit = @convention(c) (Int) -> Int32
    typealias DataCallback = @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int

    enum Option: Int32 {
        case writeData = 10001, url = 10002, errorBuffer = 10010, postFields = 10015, userAgent = 10018
        case httpHeader = 10023, headerData = 10029, customRequest = 10036
        case writeFunction = 20011, headerFunction = 20079
        case noSignal = 99, timeoutMS = 155, connectTimeoutMS = 156, postFieldSizeLarge = 30120
    }

    static let responseCode: Int32 = 0x20_0002

    private let easyInit: EasyInit
    private let easyPerform: EasyPerform
    private let cleanup: EasyCleanup
    private let strerror: StrError
    private let slistAppend: SlistAppend
    private let slistFree: SlistFree
    /// curl_easy_setopt and curl_easy_getinfo are variadic: called through the C shim.
    private let setoptAddress: UnsafeMutableRawPointer
    private let getinfoAddress: UnsafeMutableRawPointer

    /// The loaded library, or why it could not be loaded.
    static let shared: Result<Curl, LoadError> = load()

    struct LoadError: Error { var message: String }

    /// libcurl's reason a request got no response.
    struct Failure: Error { var reason: String }

    private init(_ library: UnsafeMutableRawPointer) throws(LoadError) {
        func symbol<T>(_ name: String, as type: T.Type) throws(LoadError) -> T {
            guard let p = dlsym(library, name) else { throw LoadError(message: "libcurl lacks \(name)") }
            return unsafeBitCast(p, to: type)
        }
        easyInit = try symbol("curl_easy_init", as: EasyInit.self)
        easyPerform = try symbol("curl_easy_perform", as: EasyPerform.self)
        cleanup = try symbol("curl_easy_cleanup", as: EasyCleanup.self)
        strerror = try symbol("curl_easy_strerror", as: StrError.self)
        slistAppend = try symbol("curl_slist_append", as: SlistAppend.self)
        slistFree = try symbol("curl_slist_free_all", as: SlistFree.self)
        guard let setopt = dlsym(library, "curl_easy_setopt"), let getinfo = dlsym(library, "curl_easy_getinfo") else {
            throw LoadError(message: "libcurl lacks curl_easy_setopt or curl_easy_getinfo")
        }
        setoptAddress = setopt
        getinfoAddress = getinfo
        _ = try symbol("curl_global_init", as: GlobalInit.self)(3)  // CURL_GLOBAL_DEFAULT
    }

    private static func load() -> Result<Curl, LoadError> {
        for name in ["libcurl.so.4", "libcurl-gnutls.so.4", "libcurl-nss.so.4", "libcurl.so"] {
            if let library = dlopen(name, RTLD_NOW | RTLD_LOCAL) {
                do throws(LoadError) { return .success(try Curl(library)) } catch { return .failure(error) }
            }
        }
        return .failure(LoadError(message: "libcurl is not installed (install libcurl4 to publish results)"))
    }

    private func setPointer(_ handle: Handle, _ option: Int32, _ value: UnsafeRawPointer?) -> Int32 {
        failmix_curl_setopt_pointer(setoptAddress, UnsafeMutableRawPointer(handle), option, value)
    }

    private func setLong(_ handle: Handle, _ option: Int32, _ value: Int) -> Int32 {
        failmix_curl_setopt_long(setoptAddress, UnsafeMutableRawPointer(handle), option, value)
    }

    /// One request; the response, or libcurl's reason it got none.
    func perform(_ request: HTTPRequest, timeout: Double) -> Result<HTTPResponse, Failure> {
        guard let handle = easyInit() else { return .failure(Failure(reason: "curl_easy_init failed")) }
        defer { cleanup(handle) }
        let sink = ResponseSink()
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        var headers: OpaquePointer?
        defer { slistFree(headers) }
        // No "Expect: 100-continue" round trip for larger bodies.
        var lines = ["Expect:"] + request.headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        if request.body != nil, request.headers["Content-Type"] == nil { lines.append("Content-Type: application/octet-stream") }
        for line in lines { headers = slistAppend(headers, line) }
        var errorBuffer = [CChar](repeating: 0, count: 256)
        let body = request.body ?? Data()
        let code: Int32 = body.withUnsafeBytes { bodyBytes in
            errorBuffer.withUnsafeMutableBufferPointer { errors in
                request.url.withCString { url in
                    request.method.withCString { method in
                        _ = setPointer(handle, Option.url.rawValue, url)
                        _ = setPointer(handle, Option.customRequest.rawValue, method)
                        _ = setPointer(handle, Option.userAgent.rawValue, "failmix")
                        _ = setPointer(handle, Option.httpHeader.rawValue, UnsafeRawPointer(headers))
                        _ = setPointer(handle, Option.errorBuffer.rawValue, errors.baseAddress)
                        _ = setLong(handle, Option.noSignal.rawValue, 1)
                        _ = setLong(handle, Option.timeoutMS.rawValue, Int(timeout * 1000))
                        _ = setLong(handle, Option.connectTimeoutMS.rawValue, Int(min(timeout, 10) * 1000))
                        if request.body != nil {
                            // An empty body still needs a non-null pointer (its size is 0).
                            _ = setPointer(handle, Option.postFields.rawValue, bodyBytes.baseAddress ?? UnsafeRawPointer(errors.baseAddress!))
                            _ = failmix_curl_setopt_off(setoptAddress, UnsafeMutableRawPointer(handle), Option.postFieldSizeLarge.rawValue, Int64(bodyBytes.count))
                        }
                        _ = setPointer(handle, Option.writeFunction.rawValue, unsafeBitCast(ResponseSink.onBody, to: UnsafeRawPointer.self))
                        _ = setPointer(handle, Option.writeData.rawValue, sinkPointer)
                        _ = setPointer(handle, Option.headerFunction.rawValue, unsafeBitCast(ResponseSink.onHeader, to: UnsafeRawPointer.self))
                        _ = setPointer(handle, Option.headerData.rawValue, sinkPointer)
                        return easyPerform(handle)
                    }
                }
            }
        }
        guard code == 0 else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .failure(Failure(reason: detail.isEmpty ? strerror(code).map { String(cString: $0) } ?? "error \(code)" : detail))
        }
        var status = 0
        _ = failmix_curl_getinfo(getinfoAddress, UnsafeMutableRawPointer(handle), Self.responseCode, &status)
        return .success(HTTPResponse(status: status, headers: sink.headers, body: sink.body))
    }
}

/// Collects one response's headers (of the final response, after any
/// interim 1xx) and body from libcurl's callbacks.
private final class ResponseSink {
    var headers: [String: String] = [:]
    var body = Data()

    static let onBody: Curl.DataCallback = { data, size, count, context in
        guard let context else { return 0 }  // libcurl passes what writeData set: never nil
        let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
        if let data { sink.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count) }
        return size * count
    }

    static let onHeader: Curl.DataCallback = { data, size, count, context in
        guard let context, let data else { return 0 }
        let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            sink.headers = [:]  // a new response (after 100 Continue or a redirect)
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            sink.headers[name] = String(line[line.index(after: colon)...].trimmingBlanksAndNewlines)
        }
        return size * count
    }
}
