import FailmixKit
import FoundationEssentials

/// Who is acting, for the journal and `failmix status`.
func currentUser() -> String {
    let env = ProcessInfo.processInfo.environment
    return env["USER"] ?? env["LOGNAME"] ?? "unknown"
}

