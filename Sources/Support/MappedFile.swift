#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file mapped read-only into memory: a lookup touches the pages it needs,
/// not the whole file. Support's audited helper for mapped memory:
/// - Lifetime: the mapping lives as long as the `MappedFile`, and every
///   `MappedWords` view holds its file, so no view outlives the pages.
/// - Bounds: every read checks its offset and length against the file.
/// - Alignment: words are read where the caller placed them 8-aligned
///   (checked); other reads are unaligned loads or byte copies.
public final class MappedFile {
    private let memory: UnsafeRawBufferPointer

    /// nil when the file is missing, empty or cannot be mapped.
    public init?(path: String) {
        let fd = FileIO.openForReading(path)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { return nil }
        let length = Int(st.st_size)
        guard let map = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else { return nil }
        memory = UnsafeRawBufferPointer(start: map, count: length)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: memory.baseAddress), memory.count) }

    /// The file's size in bytes.
    public var count: Int { memory.count }

    /// A copy of the bytes in `range`; nil when it is not inside the file.
    public func bytes(_ range: Range<Int>) -> [UInt8]? {
        guard range.lowerBound >= 0, range.upperBound <= memory.count else { return nil }
        return Array(memory[range])
    }

    /// The UInt64 stored at byte `offset` as the machine stores it; nil when
    /// its 8 bytes are not inside the file.
    public func word(at offset: Int) -> UInt64? {
        guard offset >= 0, offset <= memory.count - 8 else { return nil }
        return memory.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
    }

    /// `count` UInt64 values from `offset`, which must be 8-aligned and in
    /// bounds; nil otherwise.
    public func words(at offset: Int, count: Int) -> MappedWords? {
        // Compared by division: `offset + count * 8` could overflow (and trap) for a count read from a damaged file.
        guard offset >= 0, count >= 0, offset % 8 == 0, offset <= memory.count, count <= (memory.count - offset) / 8,
            let base = memory.baseAddress
        else { return nil }
        return MappedWords(file: self, words: UnsafeBufferPointer(start: (base + offset).assumingMemoryBound(to: UInt64.self), count: count))
    }
}

/// UInt64 values in a mapped file, as the machine stores them; the view keeps
/// the file mapped. Indexing is checked.
public struct MappedWords: RandomAccessCollection {
    private let file: MappedFile?
    private let words: UnsafeBufferPointer<UInt64>

    fileprivate init(file: MappedFile, words: UnsafeBufferPointer<UInt64>) {
        self.file = file
        self.words = words
    }

    /// No words, no file.
    public init() {
        file = nil
        words = UnsafeBufferPointer(start: nil, count: 0)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { words.count }

    public subscript(index: Int) -> UInt64 {
        precondition(index >= 0 && index < words.count, "index out of range")
        return words[index]
    }
}
