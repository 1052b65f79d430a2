import FailmixKit
import Foundation

/// How many sessions the store has now (probes and acks count from it),
/// read exactly as the gate reads them, so the gate's records cache stays valid.
func currentSessionCount(_ configuration: Configuration, _ options: PipelineOptions) throws -> Int {
    try Pipeline.gate(options, config: configuration, remember: false).report.records.sessionCount
}

/// Who is acting, for the journal and `failmix status`.
func currentUser() -> String {
    let env = ProcessInfo.processInfo.environment
    return env["USER"] ?? env["LOGNAME"] ?? "unknown"
}
