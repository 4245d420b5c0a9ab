import Foundation
import Testing
@testable import OmniBark
import TestSupport

/// `DemoModel.create` and `omnibark models create-demo` never overwrite a model by accident, and
/// say in one line which path failed and why.
@Suite struct DemoModelOverwriteTests {
    /// Phrases that mean a Foundation error was printed raw.
    static let rawErrorMarkers = ["NSCocoaErrorDomain", "Error Domain=", "The operation could not be completed", "NSPOSIXErrorDomain"]

    @Test func nonEmptyDirectoryIsRefusedUnlessOverwriting() throws {
        let folder = try FixturePaths.temporaryDirectory("demo-existing")
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("config.json")
        let precious = Data(#"{"model_type": "bark", "mine": true}"#.utf8)
        try precious.write(to: config)

        let error = #expect(throws: DemoModelError.self) { try DemoModel.create(at: folder) }
        #expect(error == .directoryNotEmpty(path: folder.path, entries: ["config.json"]))
        #expect(error?.description.contains("--force") == true)
        #expect(try Data(contentsOf: config) == precious, "the refused run must leave the file alone")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path))

        try DemoModel.create(at: folder, overwrite: true)
        #expect(DemoModel.isDemo(directory: folder))
    }

    @Test func emptyExistingDirectoryIsUsed() throws {
        let folder = try FixturePaths.temporaryDirectory("demo-empty")
        defer { try? FileManager.default.removeItem(at: folder) }
        try DemoModel.create(at: folder)
        #expect(DemoModel.isDemo(directory: folder))
    }

    @Test func directoryUnderARegularFileNamesThePathAndReason() throws {
        let folder = try FixturePaths.temporaryDirectory("demo-notdir")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: file)
        let target = file.appendingPathComponent("demo")
        let error = #expect(throws: DemoModelError.self) { try DemoModel.create(at: target) }
        #expect(error == .cannotCreateDirectory(path: target.path, reason: "Not a directory"))
        #expect(error?.description == "cannot create directory \(target.path): Not a directory")

        let notDirectory = #expect(throws: DemoModelError.self) { try DemoModel.create(at: file) }
        #expect(notDirectory == .notADirectory(path: file.path))
    }

    @Test func unwritableFileNamesThePathAndReason() throws {
        let folder = try FixturePaths.temporaryDirectory("demo-blocked")
        defer { try? FileManager.default.removeItem(at: folder) }
        // A non-empty directory where the weights file should go: the final rename fails with EISDIR.
        let blocker = folder.appendingPathComponent("model.safetensors")
        try FileManager.default.createDirectory(at: blocker, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: blocker.appendingPathComponent("inside"))
        let error = #expect(throws: DemoModelError.self) { try DemoModel.create(at: folder, overwrite: true) }
        guard case let .cannotWrite(path, reason)? = error else {
            Issue.record("expected cannotWrite, got \(String(describing: error))")
            return
        }
        #expect(path == blocker.path)
        #expect(reason.lowercased().contains("is a directory"), "\(reason)")
        #expect(!reason.contains(blocker.path), "the path is named once, by the error case: \(reason)")
        for marker in Self.rawErrorMarkers { #expect(!reason.contains(marker)) }
    }

    @Test func commandRefusesNonEmptyDirectoryAndAcceptsForce() throws {
        let folder = try FixturePaths.temporaryDirectory("demo-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("config.json")
        try Data("{}".utf8).write(to: config)

        let refused = try CommandRun.omnibark(["models", "create-demo", "--to", folder.path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains(folder.path))
        #expect(refused.stderr.contains("--force"))
        #expect(refused.stderr.contains("empty or new directory"))
        #expect(try Data(contentsOf: config) == Data("{}".utf8))

        let forced = try CommandRun.omnibark(["models", "create-demo", "--to", folder.path, "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(DemoModel.isDemo(directory: folder))
    }

    @Test func commandFailureIsOneClearLine() throws {
        let folder = try FixturePaths.temporaryDirectory("demo-cli-fail")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: file)
        let target = file.appendingPathComponent("sub/demo")
        let run = try CommandRun.omnibark(["models", "create-demo", "--to", target.path])
        #expect(run.status != 0)
        let lines = run.stderr.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(run.stderr.contains("cannot create directory \(target.path): Not a directory"), "\(run.stderr)")
        for marker in Self.rawErrorMarkers { #expect(!run.stderr.contains(marker)) }
    }
}
