import Audio
import Foundation
import NetworkStreaming
import OmniBark
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real icecast2 on 127.0.0.1 (generated config, random port, run as user icecast2), our
/// source, and ffmpeg listening through it.
@Suite(.serialized) struct IcecastTests {
    final class IcecastServer {
        let port: Int
        let directory: URL
        var process: Process?
        let binary: String

        init?() throws {
            guard let binary = NetworkTestSupport.require("icecast2"), NetworkTestSupport.require("setpriv") != nil else { return nil }
            self.binary = binary
            // Below Linux's ephemeral range (32768–60999), so no client socket of this machine holds it.
            port = Int.random(in: 20_000..<32_000)
            directory = try NetworkTestSupport.temporaryDirectory("icecast")
            let config = """
            <icecast>
              <location>test</location><admin>test@localhost</admin>
              <limits><clients>50</clients><sources>4</sources><queue-size>524288</queue-size><client-timeout>30</client-timeout>
                <header-timeout>15</header-timeout><source-timeout>5</source-timeout><burst-size>0</burst-size></limits>
              <authentication><source-password>hackme</source-password><relay-password>hackme</relay-password>
                <admin-user>admin</admin-user><admin-password>adminpw</admin-password></authentication>
              <hostname>127.0.0.1</hostname>
              <listen-socket><port>\(port)</port><bind-address>127.0.0.1</bind-address></listen-socket>
              <fileserve>1</fileserve>
              <paths><basedir>/usr/share/icecast2</basedir><logdir>\(directory.path)</logdir>
                <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot></paths>
              <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>3</loglevel></logging>
              <security><chroot>0</chroot></security>
            </icecast>
            """
            try config.write(to: directory.appendingPathComponent("icecast.xml"), atomically: true, encoding: .utf8)
            chmod(directory.path, 0o777)
            _ = try NetworkTestSupport.run("/bin/chown", ["-R", "icecast2", directory.path])
        }

        /// Launches icecast2 and waits until it answers HTTP. A server that exits before it answers (on a
        /// busy machine a restart once failed this way, with nothing left to say why) is launched again, up
        /// to three times; a failure names the process's state and the end of its error log.
        func start() throws {
            var ready = false
            for _ in 0..<3 where !ready {
                let launched = try NetworkTestSupport.launch("/usr/bin/setpriv", ["--reuid=icecast2", "--regid=icecast", "--init-groups",
                                                                                  binary, "-c", directory.appendingPathComponent("icecast.xml").path],
                                                             in: directory, label: "icecast-\(UUID().uuidString.prefix(4))")
                process = launched
                // Ready means Icecast answers HTTP. A bare TCP connect is not proof: on a busy machine a
                // connect to a port nobody listens on can meet itself (TCP simultaneous open) when the
                // kernel picks the same ephemeral source port, which once made a dead server look ready.
                _ = NetworkTestSupport.waitFor(30) {
                    let (status, _) = (try? NetworkTestSupport.curl(["-m", "2", "http://127.0.0.1:\(port)/status-json.xsl"])) ?? (0, "")
                    ready = status == 200
                    return ready || !launched.isRunning
                }
                if !ready && launched.isRunning { break }  // running but silent for 30 s: launching again would not help
                if !ready { usleep(500_000) }
            }
            #expect(ready, "icecast2 listens on 127.0.0.1:\(port)\(ready ? "" : diagnosis())")
        }

        /// The server's state and the end of its error log, for a failure message.
        private func diagnosis() -> String {
            let state = process.map { $0.isRunning ? "still running" : "exited with status \($0.terminationStatus)" } ?? "not launched"
            let log = (try? String(contentsOf: directory.appendingPathComponent("error.log"), encoding: .utf8)) ?? "(no error.log)"
            return "; icecast2 \(state); error.log ends: \(log.suffix(600))"
        }

        func stop() {
            guard let process, process.isRunning else { return }
            process.terminate()
            NetworkTestSupport.wait(process, timeout: 10)
            self.process = nil
        }

        deinit {
            stop()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    private func makeSession() throws -> (ServeSession, RecordingSink) {
        let model = try SpeechModel(directory: NetworkTestSupport.fixtureModel)
        var options = ServeOptions()
        options.engine.speech.greedy = true
        options.http.port = 0
        options.broadcaster.encoder.bitrate = 64_000
        let recorder = RecordingSink(sampleRate: 24_000)
        return (try ServeSession(model: model, options: options, extraSinks: [recorder], log: { _ in }), recorder)
    }

    @Test func ffmpegListensThroughIcecast() throws {
        guard let ffmpeg = NetworkTestSupport.require("ffmpeg"), let server = try IcecastServer() else { return }
        try server.start()
        defer { server.stop() }
        let (session, recorder) = try makeSession()
        try session.start()
        var configuration = try IcecastSource.Configuration(url: "http://source:hackme@127.0.0.1:\(server.port)/bark.opus")
        configuration.bitrate = 64_000
        let source = IcecastSource(configuration: configuration, broadcaster: session.broadcaster, log: { _ in })
        try source.start()
        let directory = try NetworkTestSupport.temporaryDirectory("icecast-listen")
        defer { try? FileManager.default.removeItem(at: directory) }
        // Wait until the mount is live, then listen.
        Thread.sleep(forTimeInterval: 1)
        let listener = try NetworkTestSupport.launch(ffmpeg, ["-nostdin", "-loglevel", "error", "-i", "http://127.0.0.1:\(server.port)/bark.opus",
                                                              "-ar", "24000", "-ac", "1", "-c:a", "pcm_s16le", "-y", "icecast.wav"],
                                                     in: directory, label: "ffmpeg")
        Thread.sleep(forTimeInterval: 1.5)
        _ = try session.engine.say(EngineRequest(text: "Hello, my dog is cute."))
        #expect(NetworkTestSupport.waitFor(120) { session.engine.statistics.utterances == 1 })
        Thread.sleep(forTimeInterval: 1.5)
        try session.stop()
        source.waitUntilFinished()
        source.stop()
        #expect(NetworkTestSupport.wait(listener, timeout: 20), "ffmpeg ends when the source leaves")
        let decoded = try WAVReader.read(directory.appendingPathComponent("icecast.wav"))
        let reference = recorder.samples
        let result = NetworkTestSupport.compare(reference: reference, signal: decoded.samples, maxLag: 4800)
        print("icecast → ffmpeg at 64 kbit/s: correlation \(String(format: "%.4f", result.correlation)), SNR \(String(format: "%.1f", result.snr)) dB")
        #expect(result.correlation > 0.9)
        #expect(source.statistics.connections == 1)
    }

    @Test func badPasswordAndMountInUseAreClearErrors() throws {
        guard let server = try IcecastServer() else { return }
        try server.start()
        defer { server.stop() }
        let broadcaster = try OpusBroadcaster(log: { _ in })
        defer { broadcaster.cancel() }
        let wrong = IcecastSource(configuration: try .init(url: "http://source:wrong@127.0.0.1:\(server.port)/a.opus"), broadcaster: broadcaster, log: { _ in })
        #expect(throws: IcecastError.badPassword(mount: "/a.opus")) { try wrong.start() }
        let first = IcecastSource(configuration: try .init(url: "http://source:hackme@127.0.0.1:\(server.port)/b.opus"), broadcaster: broadcaster, log: { _ in })
        try first.start()
        Thread.sleep(forTimeInterval: 0.5)
        let second = IcecastSource(configuration: try .init(url: "http://source:hackme@127.0.0.1:\(server.port)/b.opus"), broadcaster: broadcaster, log: { _ in })
        #expect(throws: IcecastError.mountInUse(mount: "/b.opus")) { try second.start() }
        first.stop()
        #expect(throws: IcecastError.self) { try IcecastSource.Configuration(url: "http://127.0.0.1:8000/") }
    }

    @Test func theSourceReconnectsWhenTheServerComesBack() throws {
        guard let server = try IcecastServer() else { return }
        try server.start()
        let broadcaster = try OpusBroadcaster(log: { _ in })
        defer { broadcaster.cancel() }
        var configuration = try IcecastSource.Configuration(url: "http://source:hackme@127.0.0.1:\(server.port)/r.opus")
        configuration.maxBackoff = 0.5
        let source = IcecastSource(configuration: configuration, broadcaster: broadcaster, log: { _ in })
        try source.start()
        Thread.sleep(forTimeInterval: 0.5)
        server.stop()
        #expect(NetworkTestSupport.waitFor(10) { !source.statistics.connected }, "the loss is noticed")
        try server.start()
        defer { server.stop() }
        #expect(NetworkTestSupport.waitFor(20) { source.statistics.connections == 2 && source.statistics.connected }, "reconnected: \(source.statistics)")
        source.stop()
    }
}
