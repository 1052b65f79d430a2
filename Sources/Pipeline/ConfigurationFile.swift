import FailmixGit
import FailmixSupport
import FoundationEssentials

extension Repository {
    /// Writes the commented default `.failmix.toml` at the working tree's
    /// root (replacing one only when `force`); returns its path.
    public func writeDefaultConfiguration(force: Bool) throws(PipelineError) -> String {
        guard let root = workdir else { throw PipelineError("a bare repository has no working tree for .failmix.toml") }
        let path = root + "/" + Configuration.fileName
        if FileManager.default.fileExists(atPath: path), !force { throw PipelineError("\(path) exists; use --force to replace it") }
        do throws(FileError) {
            try AtomicFile.write(Configuration.initTemplate, to: path)
        } catch {
            throw PipelineError(error.description)
        }
        return path
    }
}
