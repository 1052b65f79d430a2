import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The session ids of a full read in bounded memory, however large the
/// store: hashes are sorted in runs spilled beside the store's base file,
/// then merged into it. A million sessions in one set cost 12 MB and grew
/// with the store; this holds one run and a small read buffer per run.
final class SessionIDRuns {
    /// A hash with its read position and whether that record had no time.
    private struct Entry: Comparable {
        var hash: UInt64
        var order: UInt64  // sequence << 1 | untimed

        static func < (a: Entry, b: Entry) -> Bool { (a.hash, a.order) < (b.hash, b.order) }
    }

    let basePath: String
    let runLength: Int
    private var buffer: [Entry] = []
    private var runs: [String] = []
    private var sequence: UInt64 = 0

    init(basePath: String, runLength: Int = 1 << 17) {
        self.basePath = basePath
        self.runLength = runLength
        buffer.reserveCapacity(runLength)
    }

    deinit { for run in runs { unlink(run) } }

    func add(_ hash: UInt64, untimed: Bool) throws {
        buffer.append(Entry(hash: hash, order: sequence << 1 | (untimed ? 1 : 0)))
        sequence += 1
        if buffer.count >= runLength { try spill() }
    }

    /// A scratch file, removed when the runs are merged: not written atomically.
    private func spill() throws {
        Self.sortByHash(&buffer)
        let path = basePath + ".run-\(getpid())-\(runs.count)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw FileError.errno("write", path) }
        runs.append(path)
        let ok = FileIO.writeAll(fd, buffer)
        close(fd)
        guard ok else { throw FileError.errno("write", path) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Merges every run into the base file of unique hashes (the delta
    /// removed). Returns the distinct sessions, and how many of them have no
    /// time in their newest record (a later record replaces an earlier one).
    func finish() throws -> (unique: Int, untimed: Int) {
        Self.sortByHash(&buffer)
        var sources = [RunReader(entries: buffer)]
        buffer = []
        for run in runs { sources.append(try RunReader(path: run)) }
        defer {
            for run in runs { unlink(run) }
            runs = []
        }
        let file = try AtomicFileWriter(path: basePath)
        var out: [UInt64] = []
        out.reserveCapacity(1 << 13)
        var written = 0
        try file.write(SessionIDStore.header)
        try file.write([UInt64(0)])  // the count, filled in below
        func flush() throws(FileError) {
            try file.write(out.map(\.littleEndian))
            written += out.count
            out.removeAll(keepingCapacity: true)
        }
        var untimed = 0
        var last: Entry?
        // A k-way merge by linear scan of the heads: runs are few (8 for a
        // million sessions), so a heap would not pay.
        while true {
            var best = -1
            for (i, source) in sources.enumerated() {
                if let head = source.head, best < 0 || head < sources[best].head! { best = i }
            }
            guard best >= 0 else { break }
            let entry = sources[best].head!
            sources[best].advance()
            if let previous = last, previous.hash != entry.hash {
                out.append(previous.hash)
                untimed += Int(previous.order & 1)
                if out.count == out.capacity { try flush() }
            }
            last = entry
        }
        if let last {
            out.append(last.hash)
            untimed += Int(last.order & 1)
        }
        try flush()
        try file.write([UInt64(written).littleEndian], at: Int64(SessionIDStore.header.count))
        try file.commit()
        unlink(basePath + "-new")
        return (written, untimed)
    }

    /// A stable radix sort on the hash, 16 bits a pass: entries with equal
    /// hashes stay in the order they were added, so each run is ordered by
    /// (hash, order) at a fraction of a comparison sort's cost.
    private static func sortByHash(_ entries: inout [Entry]) {
        guard entries.count > 1 else { return }
        var other = entries
        var counts = [Int](repeating: 0, count: 1 << 16)
        for shift in stride(from: UInt64(0), to: 64, by: 16) {
            for i in counts.indices { counts[i] = 0 }
            for e in entries { counts[Int(truncatingIfNeeded: (e.hash >> shift) & 0xFFFF)] += 1 }
            var total = 0
            for i in counts.indices { (counts[i], total) = (total, total + counts[i]) }
            for e in entries {
                let digit = Int(truncatingIfNeeded: (e.hash >> shift) & 0xFFFF)
                other[counts[digit]] = e
                counts[digit] += 1
            }
            swap(&entries, &other)
        }
    }

    /// One sorted run, read a block at a time (or the last, in memory).
    private final class RunReader {
        private var block: [Entry]
        private var index = 0
        private let fd: Int32
        private(set) var head: Entry?

        init(entries: [Entry]) {
            block = entries
            fd = -1
            head = block.first
        }

        init(path: String) throws {
            fd = FileIO.openForReading(path)
            guard fd >= 0 else { throw FileError.errno("read", path) }
            block = []
            refill()
        }

        deinit { if fd >= 0 { close(fd) } }

        func advance() {
            index += 1
            if index == block.count, fd >= 0 { refill() }
            head = index < block.count ? block[index] : nil
        }

        private func refill() {
            block = FileIO.readValues(fd, upTo: 4096, of: Entry.self)
            index = 0
            head = block.first
        }
    }
}
