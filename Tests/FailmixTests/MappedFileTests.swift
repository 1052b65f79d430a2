import Foundation
import Testing
@testable import FailmixSupport

/// Support's mapped-file view: every read is checked against the file, and
/// a count no file could hold (read from a damaged header) is refused
/// rather than overflowing the bounds arithmetic.
@Suite struct MappedFileTests {
    @Test func readsAreBoundedByTheFile() throws {
        let dir = TempDir("mapped")
        var bytes = [UInt8](repeating: 0, count: 40)
        bytes[8] = 7
        let path = dir.write("words.bin", String(decoding: bytes, as: UTF8.self))
        let file = try #require(MappedFile(path: path))
        #expect(file.count == 40)
        #expect(file.words(at: 8, count: 4).map(Array.init) == [7, 0, 0, 0])
        #expect(file.words(at: 8, count: 5) == nil && file.words(at: 4, count: 1) == nil && file.words(at: -8, count: 1) == nil)
        #expect(file.words(at: 8, count: Int.max / 4) == nil && file.words(at: Int.max - 7, count: 1) == nil)
        #expect(file.word(at: 32) == 0 && file.word(at: 33) == nil && file.word(at: -1) == nil)
        #expect(file.bytes(36..<40) == [0, 0, 0, 0] && file.bytes(36..<41) == nil)
    }
}
