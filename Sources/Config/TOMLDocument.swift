import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CTOML
import CTOMLRelease

/// A parsed TOML document, read through CTOML (toml++ under TOMLKit)
/// directly. TOMLKit 0.6.0's own accessors free nothing they are handed
/// (each key list, string and number is a malloc, and the parsed tree itself
/// is never deleted), so a process that reads configuration repeatedly would
/// grow without bound. Here every buffer is freed once copied, and the tree
/// is released with the document. Config's one audited unsafe file:
/// - Who frees: every copy CTOML returns (strings, numbers, key lists, an
///   error's description) is freed here right after it is read (`take`);
///   the tree is cleared and deleted by the document's `deinit`.
/// - Lifetime: nodes point into the tree, so they are only reached through
///   the document that owns it (`root`), never kept past it.
/// - Bounds: key lists are read up to the count CTOML returns with them.
final class TOMLDocument {
    let root: TOMLTableNode
    private let pointer: OpaquePointer

    init(parsing text: String) throws(TOMLSyntaxError) {
        // CTOML fills this in on a syntax error (its description a strdup).
        let empty = UnsafeRawPointer(("" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
        var error = CTOMLParseError(description: empty, source: CTOMLSourceRegion())
        guard let table = text.withCString({ tableCreateFromString($0, &error) }) else {
            let message = String(cString: error.description)
            free(UnsafeMutableRawPointer(mutating: error.description))
            throw TOMLSyntaxError(line: Int(error.source.begin.line), column: Int(error.source.begin.column), message: message)
        }
        pointer = table
        root = TOMLTableNode(pointer: table)
    }

    deinit {
        tableClear(pointer)
        failmix_toml_release_cleared_table(UnsafeMutableRawPointer(pointer))
    }
}

/// toml++'s report of text that is not TOML.
struct TOMLSyntaxError: Error {
    var line: Int
    var column: Int
    var message: String
}

/// What a TOML value is.
typealias TOMLKind = CTOMLNodeType

/// A table inside a `TOMLDocument`; valid while the document lives.
struct TOMLTableNode {
    fileprivate let pointer: OpaquePointer

    subscript(key: String) -> TOMLNode? {
        tableGetNode(pointer, key).map(TOMLNode.init)
    }

    /// The keys in toml++'s order (sorted).
    var keys: [String] {
        let count = tableSize(pointer)
        let list = tableGetKeys(pointer)
        defer { free(UnsafeMutableRawPointer(mutating: list)) }
        return (0..<count).map { i in
            defer { free(UnsafeMutableRawPointer(mutating: list[i])) }
            return String(cString: list[i])
        }
    }
}

/// An array inside a `TOMLDocument`.
struct TOMLArrayNode: RandomAccessCollection {
    fileprivate let pointer: OpaquePointer
    var startIndex: Int { 0 }
    var endIndex: Int { arraySize(pointer) }
    subscript(index: Int) -> TOMLNode { TOMLNode(pointer: arrayGetNode(pointer, Int64(index))) }
}

/// A value inside a `TOMLDocument`: each accessor is nil unless the value
/// is of that type (an integer is not a `double`).
struct TOMLNode {
    fileprivate let pointer: OpaquePointer

    var type: TOMLKind { nodeType(pointer) }
    var table: TOMLTableNode? { nodeAsTable(pointer).map(TOMLTableNode.init) }
    var array: TOMLArrayNode? { nodeAsArray(pointer).map(TOMLArrayNode.init) }
    var string: String? { Self.take(nodeAsString(pointer)) { String(cString: $0) } }
    var int: Int? { Self.take(nodeAsInt(pointer)) { Int($0.pointee) } }
    var double: Double? { Self.take(nodeAsDouble(pointer)) { $0.pointee } }
    var bool: Bool? { Self.take(nodeAsBool(pointer)) { $0.pointee } }

    /// `read` of the malloc'd copy CTOML returns, which is then freed.
    private static func take<P, T>(_ copy: UnsafePointer<P>?, _ read: (UnsafePointer<P>) -> T) -> T? {
        guard let copy else { return nil }
        defer { free(UnsafeMutableRawPointer(mutating: copy)) }
        return read(copy)
    }
}
