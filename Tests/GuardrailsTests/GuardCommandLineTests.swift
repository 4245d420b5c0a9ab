import Foundation
import Testing
import TestSupport

/// The built `omnibark` with the content policy: `guard check`, and refusals in speak, live and
/// serve (exit status 3, HTTP 422), each before any model is needed where that is possible.
@Suite(.serialized) struct GuardCommandLineTests {
    static let model = FixturePaths.bark("bark-gen-scaled")

    func omnibark(_ arguments: [String], input: String? = nil) throws -> ProcessRun {
        guard FileManager.default.isExecutableFile(atPath: FixturePaths.omnibark.path) else {
            Issue.record("\(FixturePaths.omnibark.path) is missing: run `swift build --build-tests` first")
            return try ProcessRun.run(URL(fileURLWithPath: "/bin/false"), [])
        }
        return try ProcessRun.run(FixturePaths.omnibark, arguments, input: input)
    }

    func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    /// A policy file with one category per action.
    func policyFile(in folder: URL) throws -> URL {
        let url = folder.appendingPathComponent("policy.json")
        try Data(#"""
        {"bleep": "…", "categories": [
          {"name": "forbidden", "action": "refuse", "terms": {"en": ["zorblax"], "de": ["zorbel machen"]}},
          {"name": "rude", "action": "bleep", "terms": {"en": ["blimey"]}},
          {"name": "watched", "action": "log", "terms": {"en": ["crikey"]}}]}
        """#.utf8).write(to: url)
        return url
    }

    @Test func guardCheckPrintsTheVerdictAndExitsThreeOnRefusal() throws {
        let folder = try FixturePaths.temporaryDirectory("guard")
        defer { try? FileManager.default.removeItem(at: folder) }
        let policy = try policyFile(in: folder).path
        let refused = try omnibark(["guard", "check", "--policy", policy, "Well, Z.0.R.B.L.A.X it."])
        #expect(refused.status == 3, "\(refused.stderr)")
        let verdict = json(refused.stdout)
        #expect(verdict["allowed"] as? Bool == false && verdict["category"] as? String == "forbidden" && verdict["action"] as? String == "refuse")
        #expect((verdict["position"] as? [String: Any])?["byte"] as? Int == 6, "\(refused.stdout)")

        let bleeped = try omnibark(["guard", "check", "--policy", policy, "Oh blimey, crikey!"])
        #expect(bleeped.status == 0)
        #expect(json(bleeped.stdout)["text"] as? String == "Oh …, crikey!")
        #expect(json(bleeped.stdout)["action"] as? String == "bleep")

        let fine = try omnibark(["guard", "check", "Hello from Scunthorpe, a classic town."])
        #expect(fine.status == 0 && json(fine.stdout)["allowed"] as? Bool == true && (json(fine.stdout)["matches"] as? [Any])?.isEmpty == true)
        let stdin = try omnibark(["guard", "check"], input: "Ich bringe dich um.")
        #expect(stdin.status == 3 && json(stdin.stdout)["category"] as? String == "threats", "the default policy")
    }

    @Test func aBadPolicyFileIsNamedWithItsField() throws {
        let folder = try FixturePaths.temporaryDirectory("guard-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = folder.appendingPathComponent("bad.json")
        try Data(#"{"categories": [{"name": "x", "action": "forbid", "terms": {"en": ["y"]}}]}"#.utf8).write(to: bad)
        let run = try omnibark(["guard", "check", "--policy", bad.path, "hello"])
        #expect(run.status != 0 && run.status != 3)
        #expect(run.stderr.contains("\(bad.path): field 'categories[0].action': must be refuse, bleep or log"), "\(run.stderr)")
        let missing = try omnibark(["speak", "--policy", folder.appendingPathComponent("none.json").path, "hello"])
        #expect(missing.stderr.contains("none.json: cannot read the guard policy: No such file or directory"), "\(missing.stderr)")
    }

    @Test func speakRefusesTextStyleAndControlPayloadsWithStatusThree() throws {
        let folder = try FixturePaths.temporaryDirectory("guard-speak")
        defer { try? FileManager.default.removeItem(at: folder) }
        let policy = try policyFile(in: folder).path
        let wav = folder.appendingPathComponent("out.wav")
        let text = try omnibark(["speak", "--model", Self.model.path, "--policy", policy, "--out", wav.path, "Please zorblax now."])
        #expect(text.status == 3, "\(text.stderr)")
        #expect(text.stderr.contains("the text matches category \"forbidden\" at byte 7"), "\(text.stderr)")
        #expect(!text.stderr.contains("zorblax"), "the refused text is not logged")
        #expect(!FileManager.default.fileExists(atPath: wav.path))

        // --style and control payloads are checked before the adapter file is even opened.
        let adapters = try policyFile(in: folder)
        let style = try omnibark(["speak", "--model", Self.model.path, "--policy", policy, "--adapters", adapters.path,
                                  "--style", "[zorbel machen]", "--out", wav.path, "Hello."])
        #expect(style.status == 3 && style.stderr.contains("--style matches category \"forbidden\""), "\(style.stderr)")
        let events = folder.appendingPathComponent("events.json")
        try Data(#"[{"kind": "style", "time": 0, "payload": "calm"}, {"kind": "sfx", "time": 1, "payload": "z o r b l a x"}]"#.utf8).write(to: events)
        let control = try omnibark(["speak", "--model", Self.model.path, "--policy", policy, "--adapters", adapters.path,
                                    "--control", events.path, "--out", wav.path, "Hello."])
        #expect(control.status == 3 && control.stderr.contains("control event 1 payload matches category \"forbidden\""), "\(control.stderr)")
    }

    @Test func liveRefusesItsArgumentAndSkipsRefusedLines() throws {
        let folder = try FixturePaths.temporaryDirectory("guard-live")
        defer { try? FileManager.default.removeItem(at: folder) }
        let policy = try policyFile(in: folder).path
        let wav = folder.appendingPathComponent("live.wav")
        let argument = try omnibark(["live", "--model", Self.model.path, "--policy", policy, "--sink", "wav:\(wav.path)", "zorblax"])
        #expect(argument.status == 3 && argument.stderr.contains("the text matches category \"forbidden\""), "\(argument.stderr)")
        #expect(!argument.stderr.contains("playing") && !FileManager.default.fileExists(atPath: wav.path), "nothing started")

        let lines = try omnibark(["live", "--model", Self.model.path, "--policy", policy, "--sink", "wav:\(wav.path)", "--greedy",
                                  "--max-semantic-tokens", "8", "--threads", "1"],
                                 input: "Hello there.\nnow ZORBLAX\nOh blimey.\n")
        #expect(lines.status == 3, "\(lines.stderr)")
        #expect(lines.stderr.contains("skipped line 2: refused by the content policy (category \"forbidden\")"), "\(lines.stderr)")
        #expect(lines.stderr.contains("bleeped line 3: category \"rude\""), "\(lines.stderr)")
        #expect(lines.stderr.contains("spoke 2 utterance(s)"), "\(lines.stderr)")
        #expect(!lines.stderr.lowercased().contains("zorblax") && !lines.stderr.contains("blimey"))
    }

    @Test func serveAnswers422WithTheCategoryAndLogsNoText() throws {
        guard FileManager.default.isExecutableFile(atPath: FixturePaths.omnibark.path),
              let curl = ExecutableSearch.which("curl") else {
            Issue.record("needs the built omnibark and curl")
            return
        }
        let folder = try FixturePaths.temporaryDirectory("guard-serve")
        defer { try? FileManager.default.removeItem(at: folder) }
        let policy = try policyFile(in: folder).path
        let server = try BackgroundProcess(FixturePaths.omnibark, ["serve", "--model", Self.model.path, "--policy", policy, "--port", "0",
                                                                    "--greedy", "--max-semantic-tokens", "8"])
        let deadline = Date(timeIntervalSinceNow: 120)
        var port: Int?
        while port == nil && Date() < deadline && server.isRunning {
            if let range = server.stderr.range(of: #"serving http://127\.0\.0\.1:(\d+)/"#, options: .regularExpression) {
                port = Int(server.stderr[range].split(separator: ":").last?.filter(\.isNumber) ?? "")
            }
            usleep(50_000)
        }
        guard let port else {
            Issue.record("serve did not start: \(server.stderr)")
            return
        }
        func post(_ body: String) throws -> (Int, [String: Any]) {
            let run = try ProcessRun.run(URL(fileURLWithPath: curl), ["-s", "-w", "\n%{http_code}", "--data-binary", body,
                                                                       "http://127.0.0.1:\(port)/say"])
            let parts = run.stdout.split(separator: "\n")
            return (Int(parts.last ?? "") ?? -1, json(parts.dropLast().joined(separator: "\n")))
        }
        let (refused, document) = try post(#"{"text": "Then zörblax, please."}"#)
        #expect(refused == 422)
        #expect(document["category"] as? String == "forbidden", "\(document)")
        #expect((document["error"] as? String)?.contains("refused by the content policy") == true)
        let (accepted, _) = try post(#"{"text": "Oh blimey."}"#)
        #expect(accepted == 202)
        server.interrupt()
        #expect(server.wait(timeout: 30))
        let log = server.stderr
        #expect(log.contains("[guard] refused POST /say text: category \"forbidden\""), "\(log)")
        #expect(log.contains("[guard] bleeped POST /say text: category \"rude\""), "\(log)")
        #expect(!log.contains("rblax") && !log.contains("blimey"), "no text in the log")
    }
}
