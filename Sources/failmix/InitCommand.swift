import ArgumentParser
import FailmixKit
import FailmixSupport
import Foundation

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Write a commented .failmix.toml with the defaults at the repository root.")

    @Flag(help: "Replace an existing file.") var force = false
    @OptionGroup var repository: RepositoryOptions

    func run() throws {
        let repository = try self.repository.discover()
        guard let root = repository.workdir else { throw FailmixFailure(message: "a bare repository has no working tree for .failmix.toml") }
        let path = root + "/" + Configuration.fileName
        if FileManager.default.fileExists(atPath: path), !force {
            throw FailmixFailure(message: "\(path) exists; use --force to replace it")
        }
        do throws(FileError) {
            try AtomicFile.write(Configuration.initTemplate, to: path)
        } catch {
            throw FailmixFailure(message: error.description)
        }
        print("failmix: wrote \(path)")
    }
}
