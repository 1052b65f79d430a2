import Foundation
import Testing
@testable import FailmixKit

/// Reads records the way the pipeline does, with the built-in classifier.
func readRecords(
    _ paths: [String], rotated: Bool = true, timestampIs: TimestampMeaning = .end, refs: Bool = false
) throws -> (RecordSet, ModeCatalog) {
    let catalog = ModeCatalog(BuiltinModes.all())
    var schema = RecordSchema()
    let classifier = Classifier(catalog: catalog, plan: &schema.plan)
    var options = RecordReadOptions()
    options.timestampIs = timestampIs
    options.collectDeliverableRefs = refs
    let sources = try RecordSources.resolve(explicit: paths, repositoryRoot: nil, environment: [:], includeRotated: rotated)
    return (try RecordReader(schema: schema, options: options).read(sources, annotator: classifier), catalog)
}
