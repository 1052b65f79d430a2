#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// C's printf formatting of numbers, in the C locale ("%.1f%%", "%02d",
/// "%04X"): what Foundation's `String(format:)` did, without linking
/// Foundation (and ICU) into every start. Only numbers: a String argument
/// does not compile, so `%@` and `%s` can't be misused; interpolate text.
/// `%d` reads 32 bits: pass `Int32` or use `%ld` for an `Int`.
public func formatted(_ format: String, _ arguments: CVarArg...) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    let needed = withVaList(arguments) { vsnprintf(&buffer, buffer.count, format, $0) }
    guard needed >= 0 else { return "" }
    if Int(needed) >= buffer.count {
        // A va_list is spent once used: the longer output is formatted from a new one.
        buffer = [CChar](repeating: 0, count: Int(needed) + 1)
        _ = withVaList(arguments) { vsnprintf(&buffer, buffer.count, format, $0) }
    }
    return String(decoding: buffer.prefix(Int(needed)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
