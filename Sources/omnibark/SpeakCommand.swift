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
        (get it with `omnibark models pull bark-small`), else the bundled OmniBark-tiny \
        (models/omnibark-tiny: a small model trained on espeak-ng speech, closed vocabulary of \
        about 190 English words; its README lists them and says how intelligible it is).

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

    @OptionGroup(title: "Model") var modelOptions: ModelOptions
    @OptionGroup(title: "Voice") var voiceOptions: VoiceOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Output WAV file; '-' writes it to standard output. A FIFO or device is written in place; a symbolic link is kept and its target replaced.", valueName: "path"))
    var out = "speech.wav"

    @Option(name: .customLong("sample-format"), help: "WAV sample format: s16 or f32.")
    var sampleFormat: SampleFormatArgument = .s16

    @OptionGroup(title: "Sampling") var sampling: SamplingOptions

    @Option(name: .customLong("max-duration"), help: ArgumentHelp("Stop after this much audio.", valueName: "seconds"))
    var maxDuration: Double?

    @Option(name: .customLong("save-preset"), help: ArgumentHelp("Also write the generation as a voice preset (.npz, Bark's layout).", valueName: "path"))
    var savePreset: String?

    @Flag(name: .shortAndLong, help: "No progress bars or summary.")
    var quiet = false

    // Omnimodal conditioning (see `OmniModel`): any of these switches to `generateAudio`.
    @OptionGroup(title: "Conditioning") var modalities: ModalityOptions

    @Option(name: .customLong("fusion-layers"), help: ArgumentHelp(
        "Run only the N lowest fusion layers of the adapter file, as the latency router's drop-fusion-layers step does in "
            + "live and serve: faster semantic steps, weaker steering. Around control events (--control) the other layers "
            + "run anyway, from 0.5 s before to 0.5 s after the stretch each event acts on. Default: all.", valueName: "N"))
    var fusionLayers: Int?

    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup(title: "Watermark") var watermark: WatermarkOutputOptions

    private var usesOmni: Bool { modalities.isUsed }

    func validate() throws {
        if [positionalText, textOption, textFile].compactMap({ $0 }).count > 1 {
            throw ValidationError("give the text once: as an argument, with --text, or with --text-file")
        }
        if let textFile, textFile != "-" { try ModalityOptions.checkFile("--text-file", textFile) }
        if savePreset == "-" { throw ValidationError("--save-preset needs a file name (an .npz cannot go to standard output)") }
        if let d = maxDuration, !(d > 0) { throw ValidationError("--max-duration must be positive, got \(d)") }
        if let n = fusionLayers {
            guard modalities.adapters != nil else {
                throw ValidationError("--fusion-layers \(n) chooses among the adapter file's fusion layers: add --adapters FILE")
            }
            guard n >= 1 else { throw ValidationError("--fusion-layers must be at least 1, got \(n)") }
        }
    }

    func run() throws {
        // Everything that can be checked is checked before the model runs: the text, where the
        // outputs go, the model, the voice (against the model) and every conditioning input.
        let raw: String? = usesOmni && [positionalText, textOption, textFile].allSatisfy({ $0 == nil }) ? nil : try readText()
        // The content policy sees the text, the style and every control payload before anything loads.
        let screen = try policyOptions.screen()
        let input = try raw.map { try screen.text($0, field: "the text") }
        let screenedStyle = try modalities.style.map { try screen.text($0, field: "--style") }
        let events = try modalities.control.map { try screen.events(ControlEvent.load(contentsOf: ModalityOptions.url($0))) } ?? []
        let outPath = out == "-" ? out : (out as NSString).expandingTildeInPath
        let presetPath = savePreset.map { ($0 as NSString).expandingTildeInPath }
        try OutputFile.check(outPath)
        if let presetPath { try OutputFile.check(presetPath) }
        modelOptions.applyThreads(leaveOneCore: false)
        let directory = try modelOptions.directory()
        let watermarkKey = try watermark.loadKey()
        let speech = try modelOptions.load(directory: directory)

        var options = SpeechOptions()
        options.voice = try voiceOptions.preset(for: speech)
        sampling.apply(to: &options, defaultSeed: UInt64.random(in: 0...UInt64(UInt32.max)))
        options.maxDuration = maxDuration
        options.watermark = WatermarkOutputOptions.settings(key: watermarkKey, modelDirectory: directory, seed: options.seed)
        if !quiet && sampling.seed == nil && !sampling.greedy { log("seed \(options.seed) (pass --seed \(options.seed) to repeat this run)") }

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

    private func prepareOmni(speech: SpeechModel, text: String?, style: String?, events: [ControlEvent],
                             options: SpeechOptions) throws -> OmniInputs {
        let model = try modalities.model(speech: speech)
        let media = try modalities.media(for: model)
        let bundle = try ModalityBundle(text: text, styleInstruction: style, referenceAudio: media.referenceAudio, image: media.image,
                                        controlEvents: events, routing: try modalities.routing(base: ModalityRouting()))
        return OmniInputs(model: model, bundle: bundle, options: options)
    }

    private func runOmni(_ inputs: OmniInputs, progress: StageProgressBars) throws -> SpeechResult {
        let result = try inputs.model.generateAudio(bundle: inputs.bundle, options: inputs.options, fusionLayers: fusionLayers,
                                                    progress: progress.handler)
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
