import FoundationEssentials

extension Pipeline {
    /// Reads the store once per distinct way of classifying it (policies
    /// that share modes and population share the read) and replays it
    /// through each policy's gate, on the records as recorded (no git).
    public static func backtest(
        _ context: PipelineContext, policies: [(name: String, configuration: Configuration)], keepCalls: Bool = false
    ) throws -> BacktestReport {
        let sources = try context.recordSources()
        var reads: [String: (RecordSet, ModeCatalog)] = [:]
        var results: [Backtest] = []
        var ids: [[String]] = []
        var sessions = 0
        for (name, configuration) in policies {
            let key = configuration.recordFingerprint
            if reads[key] == nil {
                let catalog = ModeCatalog(configuration.modes)
                var schema = RecordSchema()
                let classifier = Classifier(catalog: catalog, plan: &schema.plan, population: configuration.population)
                var readOptions = RecordReadOptions()
                readOptions.timestampIs = context.options.timestampIs
                reads[key] = (try RecordReader(schema: schema, options: readOptions).read(sources, annotator: classifier), catalog)
            }
            let (records, catalog) = reads[key]!
            var input = GateInput(catalog: catalog, classes: configuration.classes,
                                  recorded: records.sessions.map { ModeSet(bits: $0.modeBits) })
            input.endTimes = records.sessions.map { $0.end ?? .nan }
            let times = records.sessions.map { $0.start ?? $0.end ?? .nan }
            results.append(Backtest.run(policy: name, gate: Gate(configuration), input: input, times: times, keepCalls: keepCalls))
            ids.append(records.sessions.map(\.sessionID))
            sessions = max(sessions, records.sessions.count)
        }
        return BacktestReport(sessions: sessions, sessionIDs: ids, results: results)
    }
}
