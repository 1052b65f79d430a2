import Foundation

// `failmix-fuzz TARGET [libFuzzer flags…]`: runs libFuzzer on one target.
// libFuzzer's own `main` is not linked (SwiftPM names this file's entry
// point); its driver is called with the target's name taken out of argv.

typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: FuzzCallback
) -> CInt

/// The target chosen on the command line (set once, before fuzzing starts).
nonisolated(unsafe) var selectedTarget: ((UnsafeRawBufferPointer) -> Void)?

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    selectedTarget?(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : count))
    return 0
}

let arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTargets.all[arguments[1]] else {
    let names = FuzzTargets.all.keys.sorted().joined(separator: ", ")
    FileHandle.standardError.write(Data("usage: failmix-fuzz TARGET [libFuzzer flags…]\ntargets: \(names)\n".utf8))
    exit(2)
}
FuzzTargets.prepare()
selectedTarget = target
// argv without the target's name.
var argc = CommandLine.argc - 1
var argv = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: Int(argc) + 1)
argv[0] = CommandLine.unsafeArgv[0]
for i in 2..<Int(CommandLine.argc) { argv[i - 1] = CommandLine.unsafeArgv[i] }
argv[Int(argc)] = nil
var argvPointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
exit(LLVMFuzzerRunDriver(&argc, &argvPointer, fuzzOneInput))
