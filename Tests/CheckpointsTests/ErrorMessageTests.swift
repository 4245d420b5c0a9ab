import Foundation
import Testing
@testable import Checkpoints

/// `ErrorMessage.reason` turns Foundation's file errors into `strerror` words, never a domain dump.
@Suite struct ErrorMessageTests {
    static let rawMarkers = ["NSCocoaErrorDomain", "Error Domain=", "The operation could not be completed", "NSPOSIXErrorDomain"]

    @Test func realFoundationFailuresGiveThePOSIXReason() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-reason-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("plain")
        try Data("x".utf8).write(to: file)

        var reasons: [String] = []
        do { try FileManager.default.createDirectory(at: file.appendingPathComponent("sub"), withIntermediateDirectories: true) } catch {
            reasons.append(ErrorMessage.reason(error))
        }
        do { try Data().write(to: folder.appendingPathComponent("absent/file")) } catch { reasons.append(ErrorMessage.reason(error)) }
        do { _ = try Data(contentsOf: folder.appendingPathComponent("absent")) } catch { reasons.append(ErrorMessage.reason(error)) }
        #expect(reasons == ["Not a directory", "No such file or directory", "No such file or directory"])
    }

    @Test func errorsWithoutAnUnderlyingPOSIXError() {
        #expect(ErrorMessage.reason(POSIXError(.EACCES)) == "Permission denied")
        #expect(ErrorMessage.reason(CocoaError(.fileWriteOutOfSpace)) == "No space left on device")
        #expect(ErrorMessage.reason(CocoaError(.fileReadCorruptFile)) == "the file is corrupt")
        let unknown = ErrorMessage.reason(NSError(domain: NSCocoaErrorDomain, code: 4242))
        #expect(unknown == "file system error 4242")
        for marker in Self.rawMarkers { #expect(!unknown.contains(marker)) }
        // The package's own errors keep their description.
        #expect(ErrorMessage.reason(CheckpointError.unreadable(file: "/m/x", reason: "why")) == "/m/x: cannot read file: why")
    }
}
