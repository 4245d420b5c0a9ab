import Audio
import Bark
import Checkpoints
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// Where `omnibark speak` writes, and what it checks before it generates anything (runs the built
/// tool on the small generation fixture).
@Suite struct SpeakOutputTests {
    static let model = FixturePaths.fixtures.appendingPathComponent("bark-gen-real").path
    static let quick = ["--model", model, "--greedy", "--max-semantic-tokens", "12", "--quiet"]

    @Test func dashWritesACompleteWAVToStandardOutput() throws {
        let run = try CommandRun.omnibark(["speak", "Hello there.", "--out", "-"] + Self.quick)
        #expect(run.status == 0, "\(run.stderr)")
        let bytes = [UInt8](run.stdoutData)
        #expect(bytes.count > 44)
        #expect(Array(bytes.prefix(4)) == Array("RIFF".utf8) && Array(bytes[8..<12]) == Array("WAVE".utf8))
        // The sizes are real, not "unknown": the whole file was known before it was written.
        let riffSize = Int(bytes[4]) | Int(bytes[5]) << 8 | Int(bytes[6]) << 16 | Int(bytes[7]) << 24
        #expect(riffSize == bytes.count - 8)
        #expect(!FileManager.default.fileExists(atPath: "-"), "no file named '-' appears")
        let folder = try FixturePaths.temporaryDirectory("stdout-wav")
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("copy.wav")
        try run.stdoutData.write(to: copy)
        let audio = try WAVReader.read(copy)
        #expect(audio.sampleRate == 24_000 && !audio.samples.isEmpty)
    }

    @Test func aCharacterDeviceIsWrittenInPlaceAndItsErrorsReported() throws {
        let folder = try FixturePaths.temporaryDirectory("device")
        defer { try? FileManager.default.removeItem(at: folder) }
        // A private copy of /dev/full (major 1, minor 7): every write fails with ENOSPC.
        let full = folder.appendingPathComponent("full").path
        let device: dev_t = (1 << 8) | 7  // glibc makedev(1, 7)
        guard mknod(full, S_IFCHR | 0o666, device) == 0 else {
            Issue.record("mknod needs root and a file system that allows device nodes: \(String(cString: strerror(errno)))")
            return
        }
        let run = try CommandRun.omnibark(["speak", "Hello.", "--out", full] + Self.quick)
        #expect(run.status != 0)
        #expect(run.stderr.contains("\(full): cannot write WAV file: write failed: No space left on device"), "\(run.stderr)")
        var info = stat()
        #expect(stat(full, &info) == 0 && info.st_mode & S_IFMT == S_IFCHR, "still a character device, not replaced by a file")
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(entries == ["full"], "no temporary file left behind: \(entries)")
    }

    @Test func aFIFOIsWrittenInPlace() throws {
        let folder = try FixturePaths.temporaryDirectory("fifo")
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("pipe").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let received = folder.appendingPathComponent("received.wav")
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/sh")
        reader.arguments = ["-c", "cat '\(fifo)' > '\(received.path)'"]
        try reader.run()
        let run = try CommandRun.omnibark(["speak", "Hello.", "--out", fifo] + Self.quick)
        reader.waitUntilExit()
        #expect(run.status == 0, "\(run.stderr)")
        var info = stat()
        #expect(stat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO, "still a FIFO")
        let audio = try WAVReader.read(received)
        #expect(audio.sampleRate == 24_000 && !audio.samples.isEmpty)
    }

    @Test func aSymbolicLinkIsKeptAndItsTargetReplaced() throws {
        let folder = try FixturePaths.temporaryDirectory("symlink")
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("takes/target.wav")
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("old".utf8).write(to: target)
        let link = folder.appendingPathComponent("latest.wav")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "takes/target.wav")
        let run = try CommandRun.omnibark(["speak", "Hello.", "--out", link.path] + Self.quick)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "takes/target.wav", "the link is kept")
        let audio = try WAVReader.read(target)
        #expect(!audio.samples.isEmpty, "the target holds the new WAV")
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.deletingLastPathComponent().path) == ["target.wav"])
    }

    /// Each of these used to be found only after generation: now the command fails before the
    /// first stage starts (no progress line), naming the input.
    @Test func badOutputsAndVoicesFailBeforeGeneration() throws {
        let folder = try FixturePaths.temporaryDirectory("early")
        defer { try? FileManager.default.removeItem(at: folder) }
        let verbose = ["--model", Self.model, "--greedy", "--max-semantic-tokens", "12"]

        let missingDirectory = try CommandRun.omnibark(["speak", "Hi.", "--out", "/nonexistent-dir/x.wav"] + verbose)
        #expect(missingDirectory.status != 0)
        #expect(missingDirectory.stderr.contains("/nonexistent-dir/x.wav: cannot write: the directory /nonexistent-dir does not exist"),
                "\(missingDirectory.stderr)")

        let badPreset = try CommandRun.omnibark(["speak", "Hi.", "--out", folder.appendingPathComponent("a.wav").path,
                                                 "--save-preset", "/nonexistent-dir/p.npz"] + verbose)
        #expect(badPreset.status != 0 && badPreset.stderr.contains("/nonexistent-dir/p.npz"), "\(badPreset.stderr)")

        let directory = try CommandRun.omnibark(["speak", "Hi.", "--out", folder.path] + verbose)
        #expect(directory.status != 0 && directory.stderr.contains("is a directory"), "\(directory.stderr)")

        // A preset whose fine_prompt has 3 rows: the model needs 8.
        let voice = folder.appendingPathComponent("three-rows.npz")
        try NPZWriter.write([
            ("semantic_prompt", try NumpyWriter.npyBytes(integers: [1, 2, 3, 4], shape: [4], as: .int64)),
            ("coarse_prompt", try NumpyWriter.npyBytes(integers: Array(repeating: 5, count: 12), shape: [2, 6], as: .int64)),
            ("fine_prompt", try NumpyWriter.npyBytes(integers: Array(repeating: 5, count: 18), shape: [3, 6], as: .int32)),
        ], to: voice)
        let badVoice = try CommandRun.omnibark(["speak", "Hi.", "--voice", voice.path, "--out", folder.appendingPathComponent("b.wav").path]
                                               + verbose)
        #expect(badVoice.status != 0)
        #expect(badVoice.stderr.contains("'fine_prompt' has shape [3, 6]: expected 8 codebook rows for this model"), "\(badVoice.stderr)")

        // A file that is not an npz at all: said in words, not as a zip library's enum case.
        let notZip = folder.appendingPathComponent("notes.txt")
        try Data("just text".utf8).write(to: notZip)
        let textVoice = try CommandRun.omnibark(["speak", "Hi.", "--voice", notZip.path, "--out", folder.appendingPathComponent("c.wav").path]
                                                + verbose)
        #expect(textVoice.status != 0 && textVoice.stderr.contains("not a zip archive"), "\(textVoice.stderr)")
        #expect(!textVoice.stderr.contains("missingEndOfCentralDirectoryRecord"))
        try FileManager.default.removeItem(at: notZip)

        for run in [missingDirectory, badPreset, directory, badVoice, textVoice] {
            #expect(!run.stderr.contains("semantic:"), "failed before generating: \(run.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["three-rows.npz"], "nothing half-written")
    }

    /// A model without generation_config.json still speaks, but says once which defaults it used.
    @Test func aMissingGenerationConfigIsAWarningNamingTheDefaults() throws {
        let folder = try FixturePaths.temporaryDirectory("no-generation-config")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = URL(fileURLWithPath: Self.model)
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where name != "generation_config.json" {
            try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent(name), withDestinationURL: source.appendingPathComponent(name))
        }
        let run = try CommandRun.omnibark(["speak", "Hi.", "--model", folder.path, "--greedy", "--max-semantic-tokens", "8",
                                           "--out", folder.appendingPathComponent("x.wav").path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.components(separatedBy: "has no generation_config.json, so built-in defaults are used").count == 2,
                "warned once: \(run.stderr)")
    }

    /// A preset that cannot be written is reported as a write failure (not "cannot read").
    @Test func aFailedPresetWriteSaysWrite() throws {
        let folder = try FixturePaths.temporaryDirectory("preset-write")
        defer { try? FileManager.default.removeItem(at: folder) }
        let full = folder.appendingPathComponent("full").path
        let device: dev_t = (1 << 8) | 7  // glibc makedev(1, 7): a private /dev/full
        guard mknod(full, S_IFCHR | 0o666, device) == 0 else {
            Issue.record("mknod needs root and a file system that allows device nodes: \(String(cString: strerror(errno)))")
            return
        }
        let run = try CommandRun.omnibark(["speak", "Hi.", "--out", folder.appendingPathComponent("a.wav").path, "--save-preset", full]
                                          + Self.quick)
        #expect(run.status != 0)
        #expect(run.stderr.contains("\(full): cannot write: write failed: No space left on device"), "\(run.stderr)")
        #expect(!run.stderr.contains("cannot read"))
    }

    /// Text from standard input and from --text-file follows one UTF-8 rule, with the byte offset.
    @Test func invalidUTF8IsRefusedTheSameWayFromEverySource() throws {
        let folder = try FixturePaths.temporaryDirectory("utf8")
        defer { try? FileManager.default.removeItem(at: folder) }
        let latin1 = Data([0x43, 0x61, 0x66, 0xE9, 0x21])  // "Café!" in Latin-1
        let file = folder.appendingPathComponent("latin1.txt")
        try latin1.write(to: file)
        let out = folder.appendingPathComponent("x.wav").path
        let fromFile = try CommandRun.omnibark(["speak", "--text-file", file.path, "--out", out] + Self.quick)
        let fromStdin = try CommandRun.omnibark(["speak", "--out", out] + Self.quick, input: latin1)
        #expect(fromFile.status != 0 && fromStdin.status != 0)
        #expect(fromFile.stderr.contains("\(file.path): not UTF-8 text: byte 0xE9 at byte offset 3"), "\(fromFile.stderr)")
        #expect(fromStdin.stderr.contains("standard input: not UTF-8 text: byte 0xE9 at byte offset 3"), "\(fromStdin.stderr)")
        // A directory given as the text file is named as such, with no Foundation error code.
        let directory = try CommandRun.omnibark(["speak", "--text-file", folder.path, "--out", out] + Self.quick)
        #expect(directory.status != 0 && directory.stderr.contains("is a directory"), "\(directory.stderr)")
        #expect(!directory.stderr.contains("NSCocoaErrorDomain") && !directory.stderr.contains("Error Domain"))
        // Valid UTF-8 on standard input works.
        let good = try CommandRun.omnibark(["speak", "--out", out] + Self.quick, input: Data("Café!".utf8))
        #expect(good.status == 0, "\(good.stderr)")
    }

    /// Without a terminal, a long run still reports progress: a line per segment and per stage.
    @Test func progressIsReportedWithoutATerminal() throws {
        let folder = try FixturePaths.temporaryDirectory("progress")
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try CommandRun.omnibark(["speak", "First sentence here. " + String(repeating: "And then a rather long second part. ", count: 12),
                                           "--model", Self.model, "--greedy", "--max-semantic-tokens", "8",
                                           "--out", folder.appendingPathComponent("x.wav").path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("segment 1/"), "\(run.stderr)")
        for stage in ["semantic", "coarse", "fine"] {
            #expect(run.stderr.contains("\(stage): started"), "\(run.stderr)")
            #expect(run.stderr.contains("\(stage): done"), "\(run.stderr)")
        }
    }
}
