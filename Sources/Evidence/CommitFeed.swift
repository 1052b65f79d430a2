import Dispatch
import FailmixGit
import FailmixSupport
import Synchronization

/// A walk run on a thread of its own, its commits handed over in order.
/// Reading a commit (inflating it and its delta bases) costs several times
/// what attributing it does, so on two cores the attribution runs in the
/// walk's shadow. Commits cross in batches, one wake-up a batch, and at most
/// `maxBatches` wait, so memory stays flat when attribution falls behind.
///
/// The walk's repository is the thread's alone until `next()` returns nil
/// or throws, or `stop()` returns: the caller must not use it meanwhile
/// (attribution does not). The thread lets go of the walk before it hands
/// over the end.
final class CommitFeed: Sendable {
    private struct Batch: Sendable {
        var commits: [Commit] = []
        /// Set on the last batch: how the walk ended.
        var end: Result<Void, GitError>?
    }

    private struct Shared {
        var batches: [Batch] = []
        var stopping = false
        /// The thread waits for room (all `maxBatches` are queued).
        var full = false
    }

    /// Where the caller is, in the batch it took last.
    private struct Cursor {
        var batch = Batch()
        var index = 0
    }

    private enum Step {
        case commit(Commit)
        case end(Result<Void, GitError>)
        case wait
    }

    /// The first batch is small, so attribution starts early; later ones
    /// larger, so a long walk wakes the caller rarely.
    private static let firstBatch = 16
    private static let batchSize = 128
    private static let maxBatches = 16

    private let shared = Mutex(Shared())
    private let cursor = Mutex(Cursor())
    // Semaphores start at 0 and are signalled only for a wait: libdispatch
    // traps when one is freed below its starting value.
    private let ready = DispatchSemaphore(value: 0)
    private let room = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    /// The walk, when no thread could be had: then `next()` reads it itself.
    private let inline = Mutex<WalkBox?>(nil)

    init(_ walk: CommitWalk) {
        let box = WalkBox(walk)
        if !Threads.detach({ [self, box] in produce(box) }) {
            inline.withLock { $0 = box }
        }
    }

    /// The next commit in walk order; nil after the last. A walk error is
    /// thrown after the commits read before it, as the walk itself would.
    func next() throws(GitError) -> Commit? {
        if let box = inline.withLock({ $0 }) { return try box.walk().next() }
        while true {
            let step = cursor.withLock { c -> Step in
                if c.index < c.batch.commits.count {
                    defer { c.index += 1 }
                    return .commit(c.batch.commits[c.index])
                }
                return c.batch.end.map(Step.end) ?? .wait
            }
            switch step {
            case .commit(let commit):
                return commit
            case .end(.success):
                return nil
            case .end(.failure(let error)):
                throw error
            case .wait:
                ready.wait()
                let (batch, wake) = shared.withLock { s in
                    defer { s.full = false }
                    return (s.batches.removeFirst(), s.full)
                }
                if wake { room.signal() }
                cursor.withLock { $0 = Cursor(batch: batch) }
            }
        }
    }

    /// Ends the walk early if it is still going, and returns once its thread
    /// no longer uses the repository. Idempotent; after the end, immediate.
    func stop() {
        if inline.withLock({ $0 }) != nil { return }
        let (first, wake) = shared.withLock { s in
            defer { s.stopping = true; s.full = false }
            return (!s.stopping, s.full)
        }
        guard first else { return }
        if wake { room.signal() }
        exited.wait()
    }

    private func produce(_ box: WalkBox) {
        defer { exited.signal() }
        var batch = Batch()
        var size = Self.firstBatch
        var end: Result<Void, GitError>
        do {
            let walk = box.walk()
            while let commit = try walk.next() {
                batch.commits.append(commit)
                if batch.commits.count == size {
                    guard hand(batch) else {
                        box.release()
                        return
                    }
                    batch = Batch()
                    size = min(2 * size, Self.batchSize)
                }
            }
            end = .success(())
        } catch {
            end = .failure(error)
        }
        box.release()
        batch.end = end
        _ = hand(batch)
    }

    /// Queues `batch` once there is room; false when the caller stopped the feed.
    private func hand(_ batch: Batch) -> Bool {
        while true {
            let queued: Bool? = shared.withLock { s in
                if s.stopping { return false }
                if s.batches.count < Self.maxBatches {
                    s.batches.append(batch)
                    return true
                }
                s.full = true
                return nil
            }
            switch queued {
            case true?:
                ready.signal()
                return true
            case false?:
                return false
            case nil:
                room.wait()
            }
        }
    }
}

/// The walk as it crosses to the feed's thread: one user at a time (the
/// creating thread hands it over and keeps no reference of its own), which
/// is what makes the unchecked `Sendable` sound.
private final class WalkBox: @unchecked Sendable {
    private var current: CommitWalk?

    init(_ walk: CommitWalk) { current = walk }

    func walk() -> CommitWalk {
        guard let current else { preconditionFailure("the walk was released") }
        return current
    }

    func release() { current = nil }
}
