import Dispatch
import FailmixGit
import FailmixSupport
import Synchronization

/// CI notes read beside the walk. Each note costs its fan-out tree, a
/// ~2 KB object inflated for ~100k instructions, and a walk attributes its
/// commits one at a time: a second thread looks up each attributed commit's
/// note while the walk goes on, so on two cores the notes add next to no
/// wall time to a gate. It opens a repository handle of its own (libgit2's
/// handles are not shared across threads); packs are shared process-wide.
///
/// Only what it read without error is kept: a commit it has no answer for
/// is looked up again by the caller, whose error (a damaged object) is then
/// the one reported, at the same point as without the thread.
///
/// The thread's repository shares the walk's packs, so while it lives a
/// long walk's renewal of its object database (`CommitWalk`) frees nothing:
/// it is for the first `CommitWalk.longWalk` commits of a walk (a gate's
/// window is a few hundred), and closed beyond, the later notes read after
/// the walk as before.
final class NotesPrefetch: Sendable {
    private struct State {
        var pending: [String] = []
        var next = 0
        var closed = false
        var notes: [String: String?] = [:]
    }
    private let state = Mutex(State())
    /// One signal per request, one for the close.
    private let work = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)

    /// Starts the reader thread; nil when the system gives no thread.
    init?(gitDirectory: String, notesRef: String) {
        let started = Threads.detach { [self] in
            read(gitDirectory: gitDirectory, notesRef: notesRef)
            stopped.signal()
        }
        if !started { return nil }
    }

    /// Asks for the note of commit `sha` (full, lower-case hex).
    func request(_ sha: String) {
        let queued = state.withLock { s -> Bool in
            guard !s.closed else { return false }
            s.pending.append(sha)
            return true
        }
        if queued { work.signal() }
    }

    /// Every note read so far once the queue is drained: nil for a commit
    /// without a note, no entry for one the thread could not read.
    func finish() -> [String: String?] {
        close()
        stopped.wait()
        return state.withLock { $0.notes }
    }

    /// Lets the thread end after what is queued, without waiting for it.
    func close() {
        let first = state.withLock { s -> Bool in
            defer { s.closed = true }
            return !s.closed
        }
        if first { work.signal() }
    }

    private func read(gitDirectory: String, notesRef: String) {
        // Without a reader the requests are still drained, unanswered.
        let reader = try? Repository.open(gitDirectory).notes(ref: notesRef)
        while true {
            work.wait()
            let sha = state.withLock { s -> String? in
                guard s.next < s.pending.count else { return nil }
                defer { s.next += 1 }
                return s.pending[s.next]
            }
            // No request behind this signal: the close, and the queue is empty.
            guard let sha else { return }
            guard let reader else { continue }
            do {
                let note = try reader.note(for: sha)
                state.withLock { $0.notes[sha] = .some(note) }
            } catch {
                continue
            }
        }
    }
}
