import Audio
import ArgumentParser
import Bark
import Checkpoints
import Foundation
import Guardrails
import Modalities
import OmniBark
import Tensors

/// `omnibark speak`: text to a WAV file.
struct SpeakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speak",
        abstract: "Turn text into speech and write it to a WAV file (24 kHz mono).",
        discussion: """
        The text comes from the argument, --text-file, or standard input. Long text is split at \
        sentence boundaries and spoken segment by segment with the same voice.

        The model is --model, else $OMNIBARK_MODEL, else ~/.cache/omnibark/models/bark-small \
        (get it with `omnibark models pull bark-small`; `omnibark models create-demo` makes a \
        random-weight model that runs the whole pipeline but speaks noise).

        Sampling follows the model's generation_config.json unless you override it: --greedy makes \
        every stage argmax (reproduces transformers' greedy output exactly); a stage temperature \
        turns sampling on for that stage. --seed makes sampled runs repeatable.

        Examples:
          omnibark speak "Hello, my dog is cute." --voice v2/en_speaker_6 --out hello.wav
          omnibark speak --text-file story.txt --voice v2/de_speaker_3 --seed 7 --out story.wav
          echo "Quick test" | omnibark speak --model ./demo --greedy --save-preset me.npz
        """)

    @Argument(help: "The text to speak (or use --text, --text-file, or pipe it on standard input).")
    var positionalText: String?

    @Option(name: .customLong("text"), help: "The text to speak (same as the argument).")
    var textOption: String?

    private var text: String? { positionalText ?? textOption }

    @Option(name: .customLong("text-file"), help: ArgumentHelp("Read the text from a file ('-' for standard input).", valueName: "path"))
    var textFile: String?

    @Option(help: "Weight format of the transformers' linear layers, converted at load: f32 (reference), bf16, int8 or q4.")
    var weights: WeightFormatArgument = .f32

    @Option(help: ArgumentHelp("Model directory (Hugging Face Bark layout).", valueName: "dir"))
    var model: String?

    @Option(help: ArgumentHelp("Voice preset: a name such as v2/en_speaker_6 (from the model's speaker_embeddings) or an .npz file.", valueName: "name|path"))
    var voice: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("Output WAV file; '-' writes it to standard output. A FIFO or device is written in place; a symbolic link is kept and its target replaced.", valueName: "path"))
    var out = "speech.wav"

    @Option(name: .customLong("sample-format"), help: "WAV sample format: s16 or f32.")
    var sampleFormat: SampleFormatArgument = .s16

    @Option(help: "Random seed for sampling (default: a fresh one, printed so you can repeat the run).")
    var seed: UInt64?

    @Flag(help: "Argmax in every stage (deterministic; equals transformers' greedy generation).")
    var greedy = false

    @Option(name: .customLong("semantic-temperature"), help: "Sample the semantic stage at this temperature.")
    var semanticTemperature: Float?

    @Option(name: .customLong("coarse-temperature"), help: "Sample the coarse stage at this temperature.")
    var coarseTemperature: Float?

    @Option(name: .customLong("fine-temperature"), help: "Fine stage temperature (1.0 = argmax, as transformers).")
    var fineTemperature: Float?

    @Option(name: .customLong("top-k"), help: "Keep only the k most likely tokens when sampling (semantic and coarse).")
    var topK: Int?

    @Option(name: .customLong("top-p"), help: "Nucleus sampling threshold (semantic and coarse).")
    var topP: Float?

    @Option(name: .customLong("min-eos-p"), help: "End a segment once p(end) exceeds this (Suno uses 0.2).")
    var minEOSP: Double?

    @Option(name: .customLong("max-semantic-tokens"), help: "Semantic tokens per segment (Bark: 768 ≈ 15 s).")
    var maxSemanticTokens: Int?

    @Option(name: .customLong("max-duration"), help: ArgumentHelp("Stop after this much audio.", valueName: "seconds"))
    var maxDuration: Double?

    @Option(name: .customLong("save-preset"), help: ArgumentHelp("Also write the generation as a voice preset (.npz, Bark's layout).", valueName: "path"))
    var savePreset: String?

    @Flag(name: .customLong("no-long-form"), help: "Do not split long text; one generation (text beyond 256 tokens is cut).")
    var noLongForm = false

    @Flag(name: .shortAndLong, help: "No progress bars or summary.")
    var quiet = false

    // Omnimodal conditioning (see `OmniModel`): any of these switches to `generateAudio`.

    @Option(name: .customLong("reference-audio"), help: ArgumentHelp("Reference audio (WAV, any rate/channels; resampled to 24 kHz mono) for the audio adapter.", valueName: "path"))
    var referenceAudio: String?

    @Option(help: ArgumentHelp("An image (PNG or JPEG) for the image adapter (needs --clip).", valueName: "path"))
    var image: String?

    @Option(help: ArgumentHelp("Control events JSON file: [{\"kind\": \"beat|phoneme|sfx|style\", \"time\": seconds | \"frame\": n, \"payload\": …}].", valueName: "path"))
    var control: String?

    @Option(help: ArgumentHelp("Adapter file (safetensors with projection heads, fusion layers, gates, routing MLP).", valueName: "path"))
    var adapters: String?

    @Option(help: ArgumentHelp("CLIP vision model directory (config.json + model.safetensors) for --image.", valueName: "dir"))
    var clip: String?

    @Option(help: ArgumentHelp("Style instruction for the text adapter, e.g. \"[calm]\".", valueName: "text"))
    var style: String?

    @Flag(name: .customLong("prefer-reference-prosody"), help: "Route: reference-audio prosody outranks text punctuation.")
    var preferReferenceProsody = false

    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup(title: "Watermark") var watermark: WatermarkOutputOptions

    private var usesOmni: Bool {
        [referenceAudio, image, control, adapters, clip, style].contains { $0 != nil } || preferReferenceProsody
    }

    func validate() throws {
        if [positionalText, textOption, textFile].compactMap({ $0 }).count > 1 {
            throw ValidationError("give the text once: as an argument, with --text, or with --text-file")
        }
        if adapters == nil {
            let given = [("--style", style != nil), ("--reference-audio", referenceAudio != nil), ("--image", image != nil),
                         ("--control", control != nil), ("--prefer-reference-prosody", preferReferenceProsody)]
                .filter(\.1).map(\.0)
            if !given.isEmpty {
                throw ValidationError("\(given.joined(separator: ", ")) conditions generation through the adapters: "
                    + "add --adapters FILE (an adapter checkpoint), or leave \(given.count == 1 ? "it" : "them") out for plain Bark")
            }
        }
        if image != nil && clip == nil {
            throw ValidationError("--image needs --clip DIR (a CLIP vision model directory) to encode the image")
        }
        for (flag, path) in [("--text-file", textFile), ("--reference-audio", referenceAudio), ("--image", image),
                             ("--control", control), ("--adapters", adapters)] {
            guard let path, path != "-" else { continue }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: (path as NSString).expandingTildeInPath, isDirectory: &isDirectory) else {
                throw ValidationError("\(flag) \(path): no such file")
            }
            if isDirectory.boolValue { throw ValidationError("\(flag) \(path): is a directory; expected a file") }
        }
        if let clip {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: (clip as NSString).expandingTildeInPath, isDirectory: &isDirectory),
                  isDirectory.boolValue else {
                throw ValidationError("--clip \(clip): no such directory (expected a CLIP vision model directory with config.json)")
            }
        }
        if savePreset == "-" { throw ValidationError("--save-preset needs a file name (an .npz cannot go to standard output)") }
        if let t = minEOSP, !(t > 0 && t < 1) { throw ValidationError("--min-eos-p must be between 0 and 1, got \(t)") }
        if let d = maxDuration, !(d > 0) { throw ValidationError("--max-duration must be positive, got \(d)") }
        if let n = maxSemanticTokens, n <= 0 { throw ValidationError("--max-semantic-tokens must be positive, got \(n)") }
        for (name, value) in [("--semantic-temperature", semanticTemperature), ("--coarse-temperature", coarseTemperature),
                              ("--fine-temperature", fineTemperature)] {
            if let value, !(value > 0) { throw ValidationError("\(name) must be positive, got \(value)") }
        }
        if let p = topP, !(p > 0 && p <= 1) { throw ValidationError("--top-p must be in (0, 1], got \(p)") }
        if let k = topK, k <= 0 { throw ValidationError("--top-k must be positive, got \(k)") }
    }

    func run() throws {
        // Everything that can be checked is checked before the model runs: the text, where the
        // outputs go, the model, the voice (against the model) and every conditioning input.
        let raw: String? = usesOmni && [positionalText, textOption, textFile].allSatisfy({ $0 == nil }) ? nil : try readText()
        // The content policy sees the text, the style and every control payload before anything loads.
        let screen = try policyOptions.screen()
        let input = try raw.map { try screen.text($0, field: "the text") }
        let screenedStyle = try style.map { try screen.text($0, field: "--style") }
        let events = try control.map { try screen.events(ControlEvent.load(contentsOf: Self.url($0))) } ?? []
        let outPath = out == "-" ? out : (out as NSString).expandingTildeInPath
        let presetPath = savePreset.map { ($0 as NSString).expandingTildeInPath }
        try OutputFile.check(outPath)
        if let presetPath { try OutputFile.check(presetPath) }
        let directory = try ModelResolver.resolve(explicit: model)
        let watermarkKey = try watermark.loadKey()
        let speech = try SpeechModel(directory: directory, weightFormat: weights.format)
        ModelNotices.print(for: speech)

        var options = SpeechOptions()
        options.voice = try voice.map { try speech.voice($0) }
        options.seed = seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        options.greedy = greedy
        options.semanticTemperature = semanticTemperature
        options.coarseTemperature = coarseTemperature
        options.fineTemperature = fineTemperature
        options.topK = topK
        options.topP = topP
        options.minEOSProbability = minEOSP
        options.maxSemanticTokens = maxSemanticTokens
        options.maxDuration = maxDuration
        options.longForm = !noLongForm
        options.watermark = WatermarkOutputOptions.settings(key: watermarkKey, modelDirectory: directory, seed: options.seed)
        if !quiet && seed == nil && !greedy { log("seed \(options.seed) (pass --seed \(options.seed) to repeat this run)") }

        let progress = StageProgressBars(enabled: !quiet)
        let announceSegment: @Sendable (Int, Int, String) -> Void = { index, count, segment in
            if count > 1 { progress.note("segment \(index + 1)/\(count): \(segment.prefix(60))…") }
        }
        let result: SpeechResult
        if usesOmni {
            let omni = try prepareOmni(speech: speech, text: input, style: screenedStyle, events: events, options: options)
            result = try runOmni(omni, progress: progress)
        } else {
            result = try speech.speak(input ?? "", options: options, progress: progress.handler, segmentStarted: announceSegment)
        }
        progress.finishAll()

        try WAVWriter.write(result.audio, sampleRate: result.sampleRate, format: sampleFormat.format, toPath: outPath)
        if let presetPath {
            try result.fullGeneration().voicePreset(configuration: speech.generator.configuration)
                .save(to: URL(fileURLWithPath: presetPath))
        }
        if !quiet { log(summary(result, outPath == "-" ? "standard output" : outPath)) }
    }

    /// The omnimodal inputs, loaded and checked: the adapter file and CLIP tower, the control
    /// events, the decoded image and reference audio.
    private struct OmniInputs {
        var model: OmniModel
        var bundle: ModalityBundle
        var options: SpeechOptions
    }

    private static func url(_ path: String) -> URL { URL(fileURLWithPath: (path as NSString).expandingTildeInPath) }

    private func prepareOmni(speech: SpeechModel, text: String?, style: String?, events: [ControlEvent],
                             options: SpeechOptions) throws -> OmniInputs {
        let url = Self.url
        let model = try OmniModel(speech: speech, adapterFile: adapters.map(url), clipDirectory: clip.map(url))
        let audio = try referenceAudio.map { try ModalityBundle.loadReferenceAudio(contentsOf: url($0)) }
        let pixels = try image.map { try ModalityBundle.loadImage(contentsOf: url($0), preprocessor: model.imagePreprocessor) }
        var routing = ModalityRouting()
        if preferReferenceProsody { routing = .preferReferenceProsody }
        let bundle = try ModalityBundle(text: text, styleInstruction: style, referenceAudio: audio, image: pixels,
                                        controlEvents: events, routing: routing)
        return OmniInputs(model: model, bundle: bundle, options: options)
    }

    private func runOmni(_ inputs: OmniInputs, progress: StageProgressBars) throws -> SpeechResult {
        let result = try inputs.model.generateAudio(bundle: inputs.bundle, options: inputs.options, progress: progress.handler)
        if !quiet {
            if !result.ignoredModalities.isEmpty {
                log("note: \(result.ignoredModalities.map(\.description).joined(separator: ", ")) given but not used: "
                    + "the adapter file gives \(result.ignoredModalities.count == 1 ? "it" : "them") no weight")
            }
            if !result.conditionedModalities.isEmpty {
                let weights = result.conditionedModalities.map { "\($0) \(String(format: "%.2f", result.routeWeights[$0.rawValue]))" }
                log("conditioned on \(weights.joined(separator: ", ")) (\(result.memoryTokens) memory tokens, "
                    + String(format: "%.3f s", result.conditioningSeconds) + ")")
            }
        }
        return result.speech
    }

    private func readText() throws -> String {
        let raw: String
        if let text {
            raw = text
        } else if let textFile {
            raw = try UTF8Text.read(path: textFile)
        } else if isatty(STDIN_FILENO) == 0 {
            raw = try UTF8Text.read(path: "-")
        } else {
            throw ValidationError("no text: give it as an argument, with --text-file, or on standard input")
        }
        guard !raw.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("the text is empty" + (textFile.map { " (\($0 == "-" ? "standard input" : $0))" } ?? ""))
        }
        return raw
    }

    private func summary(_ result: SpeechResult, _ destination: String) -> String {
        let t = result.timings
        let rtf = result.duration > 0 ? t.total / result.duration : 0
        return String(format: "wrote %@: %.2f s of audio in %d segment(s); semantic %.2f s, coarse %.2f s, fine %.2f s, codec %.2f s; real-time factor %.2f",
                      destination, result.duration, result.segments.count, t.semantic, t.coarse, t.fine, t.codec, rtf)
    }

    private func log(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
}

/// `--sample-format` values.
enum SampleFormatArgument: String, ExpressibleByArgument, CaseIterable {
    case s16, f32
    var format: SampleFormat { self == .s16 ? .s16 : .f32 }
}
