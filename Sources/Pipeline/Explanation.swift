import FailmixSupport
import FailmixGit
import FoundationEssentials

extension Pipeline {
    /// The record fields the rules and the evidence read, shown by `explain`.
    static let explainedFields = ["timestamp", "start_time", "end_time", "duration_seconds", "outcome", "loop_status",
                                  "grades.productivity", "grade_reasons.harm", "intent_category_matched", "category",
                                  "recommended_category", "deliverables"]

    /// Everything failmix knows about one session (`sessionID` or a unique
    /// prefix of it) and why it concluded what it did.
    public static func explain(_ sessionID: String, context: PipelineContext) throws -> SessionExplanation {
        let report = try Pipeline.report(context)
        let sessions = report.records.sessions
        let matches = sessions.indices.filter { sessions[$0].sessionID == sessionID }
        let candidates = matches.isEmpty ? sessions.indices.filter { sessions[$0].sessionID.hasPrefix(sessionID) } : matches
        guard candidates.count == 1, let index = candidates.first else {
            throw PipelineError(candidates.isEmpty
                ? "no session '\(Escape.terminal(sessionID))' in the records"
                : "'\(Escape.terminal(sessionID))' matches \(candidates.count) sessions; give more of the id")
        }
        let session = sessions[index]
        var explanation = SessionExplanation(
            session: session, recordPath: report.records.path(of: session.location), catalog: report.catalog)
        if let line = report.records.line(of: session),
            let object = JSONValue(parsing: line.utf8), object.object != nil
        {
            for path in explainedFields {
                let value = path.split(separator: ".").reduce(Optional(object)) { $0?[String($1)] }
                if let value { explanation.fields.append((path, value.text)) }
            }
        }
        guard let evidence = report.corroboration?.sessions[index] else { return explanation }
        explanation.evidence = evidence
        let repository = try? context.evidenceRepository()
        for sha in evidence.attributions.map(\.sha) + evidence.ambiguousCommits {
            let message = (try? repository?.commit(sha))??.message ?? ""
            explanation.subjects[sha] = String(message.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        }
        return explanation
    }

}
