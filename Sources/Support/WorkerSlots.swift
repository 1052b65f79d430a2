import Dispatch

/// One result slot per parallel worker. Each worker writes only its own
/// index, and the slots are read only after every worker has finished
/// (`DispatchQueue.concurrentPerform` returned, or the group was waited on):
/// that discipline, not a lock, is what makes the unchecked `Sendable` sound.
public final class WorkerSlots<Value>: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<Value?>

    public init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    public var count: Int { slots.count }

    /// A worker's result (called by worker `index` only).
    public func set(_ index: Int, _ value: Value) { slots[index] = value }

    /// Slot `index`'s result, moved out (after the workers finished).
    public func take(_ index: Int) -> Value? {
        defer { slots[index] = nil }
        return slots[index]
    }
}

extension WorkerSlots where Value: Sendable {
    /// Slots filled by `work(index)` on Dispatch's pool; a single slot on
    /// the calling thread, without waking the pool (a gate's small reads
    /// would pay for Dispatch's start-up and a worker thread).
    public static func filled(count: Int, _ work: @Sendable (Int) -> Value) -> WorkerSlots {
        let slots = WorkerSlots(count: count)
        if count == 1 {
            slots.set(0, work(0))
        } else if count > 1 {
            DispatchQueue.concurrentPerform(iterations: count) { slots.set($0, work($0)) }
        }
        return slots
    }
}
