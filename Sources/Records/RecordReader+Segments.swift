import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

extension RecordReader {
    /// Reads bytes `0..<size` of a file in line-aligned segments of about
    /// `segmentBytes`, a batch of them in parallel, and hands the chunks to
    /// `body` in file order with each segment's start offset: a full read in
    /// memory bounded by the batch, not the file.
    package func forEachSegment(
        _ path: String, fileIndex: Int32, size: Int64, annotator: some RecordAnnotator & Sendable,
        segmentBytes: Int64 = 32 << 20, _ body: (Chunk, Int64) throws(RecordError) -> Void
    ) throws(RecordError) {
        let fd = try openRecords(path)
        defer { close(fd) }
        let parts = max(1, Int((size + segmentBytes - 1) / segmentBytes))
        let bounds = parts > 1 ? chunkBounds(fd: fd, size: size, parts: parts) : [0, size]
        let segments = bounds.count - 1
        let batch = 2 * max(1, min(4, ProcessInfo.activeCores))
        let reader = self
        typealias Slots = WorkerSlots<Result<Chunk, RecordError>>
        /// Starts parsing `count` segments from `first` on the worker threads.
        func launch(_ first: Int) -> (group: DispatchGroup, results: Slots, first: Int, count: Int)? {
            guard first < segments else { return nil }
            let count = min(batch, segments - first)
            let results = Slots(count: count)
            let group = DispatchGroup()
            for k in 0..<count {
                let i = first + k
                DispatchQueue.global().async(group: group) {
                    results.set(k, Result { () throws(RecordError) -> Chunk in
                        try reader.readChunk(fd: fd, path: path, from: bounds[i], to: bounds[i + 1], last: i == segments - 1,
                                             fileIndex: fileIndex, annotator: annotator)
                    })
                }
            }
            return (group, results, first, count)
        }
        // The next batch parses while this one is handed on, so the workers
        // never wait for the merge; whatever is in flight finishes before the
        // descriptor closes.
        var next = launch(0)
        defer { next?.group.wait() }
        while let current = next {
            current.group.wait()
            next = launch(current.first + current.count)
            for k in 0..<current.count {
                switch current.results.take(k)! {
                case .success(let chunk): try body(chunk, bounds[current.first + k])
                case .failure(let error): throw error
                }
            }
        }
    }

    /// The same reader without deliverable refs: a streaming read that keeps
    /// only the newest sessions extracts them afterwards, for those alone.
    package var withoutRefs: RecordReader {
        var options = options
        options.collectDeliverableRefs = false
        var reader = RecordReader(schema: schema, options: options)
        reader.parallelThreshold = parallelThreshold
        return reader
    }
}
