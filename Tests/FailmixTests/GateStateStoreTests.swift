import Foundation
import Testing
@testable import FailmixKit

@Suite struct GateStateStoreTests {
    @Test func racingWritersNeverCorruptTheState() throws {
        let dir = TempDir()
        let store = GateStateStore(directory: dir.file("failmix"))
        DispatchQueue.concurrentPerform(iterations: 200) { i in
            _ = try? store.update { (state: inout GateState) -> (Void, [GateEvent]) in
                state.reasons.append("r\(i)")
                return ((), [GateEvent(at: Date(), event: "test", detail: "\(i)")])
            }
        }
        let (state, warning) = store.read()
        #expect(warning == nil)
        #expect(state.reasons.count == 200)
        #expect(store.journal().count == 200)
    }

    @Test func truncatedStateIsRecoveredWithAWarning() throws {
        let dir = TempDir()
        let store = GateStateStore(directory: dir.file("failmix"))
        _ = try store.update { (state: inout GateState) -> (Void, [GateEvent]) in
            state.paused = true
            return ((), [])
        }
        let path = dir.file("failmix/state.json")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        let (_, warning) = try store.update { (state: inout GateState) -> (Bool, [GateEvent]) in (state.paused, []) }
        #expect(warning?.contains("damaged") == true)
        #expect(store.journal().last?.event == "recovered")
    }
}
