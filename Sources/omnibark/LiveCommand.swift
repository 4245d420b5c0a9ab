import ArgumentParser
import Bark
import Checkpoints
import Foundation
import Guardrails
import OmniBark
import Streaming
import Tensors

/// `omnibark live`: speak into JACK (or a WAV file) while generating.
struct LiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Speak text into JACK while it is being generated.",
        discussion: """
        Speaks the text given as an argument or with --text and exits once it has played out; \
        without text, speaks every line typed on standard input as it arrives (the next line is \
        generated while the current one plays) until end of input.

        Audio goes to JACK client `omnibark`, port out_1 (and out_2 with --stereo); route it with \
        --connect or any JACK patchbay. --sink wav:FILE writes the same stream to a file instead. \
        Every text passes the content policy (--policy, else the default): a refused argument \
        exits with status 3 before anything loads; a refused input line is skipped (logged without \
        its text), the rest are spoken, and the exit status is 3. A JACK server must be running, e.g. `jackd -d alsa` or, with no sound card, \
        `jackd -d dummy -r 48000`.

        Fine stage: --fine-mode chunked (default) gives the first audio after about a second of \
        coarse tokens; exact reproduces `speak` token for token but starts playing only after the \
        coarse stage has finished.

        Examples:
          omnibark live "Hello, my dog is cute." --voice v2/en_speaker_6 --connect system:playback_1,system:playback_2
          omnibark live --model ./demo --sink wav:live.wav --stats < script.txt
        """)

    @Argument(help: "Text to speak (otherwise lines from standard input).")
    var positionalText: String?

    @Option(name: .customLong("text"), help: "Text to speak (same as the argument).")
    var textOption: String?

    @Option(help: "Weight format of the transformers' linear layers, converted at load: f32 (reference), bf16, int8 or q4.")
    var weights: WeightFormatArgument = .f32

    @Option(help: ArgumentHelp("Model directory.", valueName: "dir"))
    var model: String?

    @Option(help: ArgumentHelp("Voice preset name or .npz file.", valueName: "name|path"))
    var voice: String?

    @Option(help: ArgumentHelp("Output: jack, or wav:FILE.", valueName: "jack|wav:FILE"))
    var sink = "jack"

    @Option(help: "JACK server name (default: the default server).")
    var server: String?

    @Option(help: ArgumentHelp("JACK ports to connect out_1 (and out_2) to, comma-separated.", valueName: "ports"))
    var connect: String?

    @Flag(help: "Register out_1 and out_2 (the same mono signal).")
    var stereo = false

    @Flag(help: "When the JACK server goes away, keep trying to reconnect instead of exiting.")
    var reconnect = false

    @Option(name: .customLong("fine-mode"), help: "exact or chunked.")
    var fineMode: FineModeArgument = .chunked

    @Option(help: "Chunked fine mode: frames finalized per window (75 per second).")
    var chunk = 32

    @Option(help: "Chunked fine mode: frames of lookahead per window.")
    var lookahead = 32

    @Option(help: "Chunked fine mode: frames of context per window.")
    var context = 256

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Flag(help: "Argmax in every stage.")
    var greedy = false

    @Option(name: .customLong("max-semantic-tokens"), help: "Semantic tokens per utterance.")
    var maxSemanticTokens: Int?

    @Flag(help: "Print statistics every second while running.")
    var stats = false

    @Option(help: "Compute threads for generation (default: all cores but one, left to the audio thread).")
    var threads: Int?

    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup(title: "Watermark") var watermark: WatermarkOutputOptions

    func validate() throws {
        if positionalText != nil && textOption != nil { throw ValidationError("give the text once: as an argument or with --text") }
        if sink != "jack" && !sink.hasPrefix("wav:") { throw ValidationError("--sink must be jack or wav:FILE, got \(sink)") }
        if sink == "wav:" { throw ValidationError("--sink wav:FILE needs a file name") }
        if chunk <= 0 || lookahead < 0 || context < 0 { throw ValidationError("--chunk must be positive, --lookahead and --context not negative") }
    }

    func run() throws {
        let screen = try policyOptions.screen()
        let argumentText = try (positionalText ?? textOption).map { try screen.text($0, field: "the text") }
        // Leave a core to JACK's process thread: size our pool and OpenBLAS before any math runs.
        let computeThreads = threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount - 1)
        setenv("OMNIBARK_THREADS", String(computeThreads), 1)
        BLASThreads.set(computeThreads)
        if sink.hasPrefix("wav:") { try OutputFile.check((String(sink.dropFirst(4)) as NSString).expandingTildeInPath) }
        let directory = try ModelResolver.resolve(explicit: model)
        let watermarkKey = try watermark.loadKey()
        let speech = try SpeechModel(directory: directory, weightFormat: weights.format)
        ModelNotices.print(for: speech)
        var options = SpeechOptions()
        options.voice = try voice.map { try speech.voice($0) }
        options.seed = seed
        options.watermark = WatermarkOutputOptions.settings(key: watermarkKey, modelDirectory: directory, seed: seed)
        options.greedy = greedy
        options.maxSemanticTokens = maxSemanticTokens
        let mode: FineStreamingMode = fineMode == .exact ? .exact : .chunked(chunk: chunk, lookahead: lookahead, context: context)

        let output: any AudioSink
        var reconnector: DispatchSourceTimer?
        var counters: (@Sendable () -> (underruns: Int, xruns: Int))?
        if sink.hasPrefix("wav:") {
            let path = String(sink.dropFirst(4))
            output = try WAVStreamSink(url: URL(fileURLWithPath: (path as NSString).expandingTildeInPath), sampleRate: speech.sampleRate, format: .s16)
        } else {
            let jack = try JackAudioSink(configuration: JackSink.Configuration(
                serverName: server, channels: stereo ? 2 : 1,
                connectTo: connect.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? []))
            jack.waitsForReconnection = reconnect
            if reconnect { reconnector = watchForShutdown(jack) }
            output = jack
            counters = { (jack.underruns, jack.jack.xruns) }
            log("playing into JACK as \(jack.jack.portNames.joined(separator: ", ")) at \(jack.sampleRate) Hz")
        }
        let engine = LiveEngine(model: speech, sink: output, options: options, fineMode: mode, sinkCounters: counters)
        engine.start()
        let reporter = stats ? startStatsReporter(engine) : nil
        var refusal: GuardRefusal?
        if let text = argumentText {
            engine.say(text)
        } else {
            var lines = StandardInputLines()
            var lineNumber = 0
            while let line = lines.next() {
                lineNumber += 1
                // Stop reading once generation has failed; finish() below reports the error.
                if let failure = engine.failureDescription { log("error: \(failure)"); break }
                switch line {
                case let .success(text):
                    let trimmed = text.trimmingCharacters(in: .whitespaces)
                    if trimmed.isEmpty { continue }
                    do {
                        engine.say(try screen.text(trimmed, field: "line \(lineNumber)"))
                    } catch let refused as GuardRefusal {
                        refusal = refused
                        log("skipped line \(lineNumber): refused by the content policy (category \"\(refused.category)\")")
                    }
                case let .failure(error):
                    log("skipped: \(error.description)")
                }
            }
        }
        let result = try engine.finish()
        reporter?.cancel()
        reconnector?.cancel()
        log(String(format: "spoke %d utterance(s), %.2f s of audio; time to first audio %@; real-time factor %.2f; underruns %d; xruns %d",
                   result.utterances, result.audioSeconds, result.timeToFirstAudio.map { String(format: "%.2f s", $0) } ?? "-",
                   result.realTimeFactor, result.underruns, result.xruns))
        if let refusal { throw refusal }
    }

    private func startStatsReporter(_ engine: LiveEngine) -> DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler {
            let s = engine.statistics
            FileHandle.standardError.write(Data(String(format: "[stats] utterances %d, audio %.1f s, RTF %.2f, TTFA %@, underruns %d, xruns %d\n",
                                                       s.utterances, s.audioSeconds, s.realTimeFactor,
                                                       s.timeToFirstAudio.map { String(format: "%.2f s", $0) } ?? "-", s.underruns, s.xruns).utf8))
        }
        timer.resume()
        return timer
    }

    /// With --reconnect: when the server goes away, retry opening the client every second.
    private func watchForShutdown(_ sink: JackAudioSink) -> DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + 0.5, repeating: 0.5)
        timer.setEventHandler {
            guard !sink.jack.isRunning else { return }
            FileHandle.standardError.write(Data("JACK server went away (\(sink.jack.shutdownMessage ?? "shutdown")); reconnecting…\n".utf8))
            if (try? sink.jack.reconnect()) != nil {
                FileHandle.standardError.write(Data("reconnected to JACK\n".utf8))
            }
        }
        timer.resume()
        return timer
    }

    private func log(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
}

enum FineModeArgument: String, ExpressibleByArgument, CaseIterable {
    case exact, chunked
}
