import ArgumentParser
import Foundation
import Modalities
import OmniBark
import Tensors

/// Omnimodal conditioning flags (shared by speak, live, serve): the adapter file and CLIP tower,
/// and the inputs that go through them. In `live` and `serve` they are the session's defaults:
/// every utterance is conditioned on them unless a request brings its own.
struct ModalityOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Adapter file (safetensors with projection heads, fusion layers, gates, routing MLP). Needed by every flag below.", valueName: "path"))
    var adapters: String?

    @Option(help: ArgumentHelp("CLIP vision model directory (config.json + model.safetensors) for --image.", valueName: "dir"))
    var clip: String?

    @Option(name: .customLong("reference-audio"), help: ArgumentHelp("Reference audio (WAV, any rate/channels; resampled to 24 kHz mono) for the audio adapter.", valueName: "path"))
    var referenceAudio: String?

    @Option(help: ArgumentHelp("An image (PNG or JPEG) for the image adapter (needs --clip).", valueName: "path"))
    var image: String?

    @Option(help: ArgumentHelp("Control events JSON file: [{\"kind\": \"beat|phoneme|sfx|style\", \"time\": seconds | \"frame\": n, \"payload\": …}].", valueName: "path"))
    var control: String?

    @Option(help: ArgumentHelp("Style instruction for the text adapter, e.g. \"[calm]\".", valueName: "text"))
    var style: String?

    @Flag(name: .customLong("prefer-reference-prosody"), help: "Route: reference-audio prosody outranks text punctuation.")
    var preferReferenceProsody = false

    @Option(name: .customLong("weight"), help: ArgumentHelp("A modality's routing weight (0 switches it off), repeatable: text=1, audio=2, image=0.5, control=1.", valueName: "modality=w"))
    var weightArguments: [String] = []

    @Option(name: .customLong("priority"), help: ArgumentHelp("A modality's priority (higher is kept longer when something must be skipped), repeatable.", valueName: "modality=n"))
    var priorityArguments: [String] = []

    /// Whether any conditioning flag is given.
    var isUsed: Bool {
        [referenceAudio, image, control, adapters, clip, style].contains { $0 != nil } || preferReferenceProsody
            || !weightArguments.isEmpty || !priorityArguments.isEmpty
    }

    func validate() throws {
        if adapters == nil {
            let given = [("--style", style != nil), ("--reference-audio", referenceAudio != nil), ("--image", image != nil),
                         ("--control", control != nil), ("--prefer-reference-prosody", preferReferenceProsody),
                         ("--weight", !weightArguments.isEmpty), ("--priority", !priorityArguments.isEmpty)]
                .filter(\.1).map(\.0)
            if !given.isEmpty {
                throw ValidationError("\(given.joined(separator: ", ")) conditions generation through the adapters: "
                    + "add --adapters FILE (an adapter checkpoint), or leave \(given.count == 1 ? "it" : "them") out for plain Bark")
            }
        }
        if image != nil && clip == nil {
            throw ValidationError("--image needs --clip DIR (a CLIP vision model directory) to encode the image")
        }
        for (flag, path) in [("--reference-audio", referenceAudio), ("--image", image), ("--control", control), ("--adapters", adapters)] {
            guard let path else { continue }
            try Self.checkFile(flag, path)
        }
        if let clip {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: (clip as NSString).expandingTildeInPath, isDirectory: &isDirectory),
                  isDirectory.boolValue else {
                throw ValidationError("--clip \(clip): no such directory (expected a CLIP vision model directory with config.json)")
            }
        }
        _ = try routing(base: ModalityRouting())
    }

    static func checkFile(_ flag: String, _ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: (path as NSString).expandingTildeInPath, isDirectory: &isDirectory) else {
            throw ValidationError("\(flag) \(path): no such file")
        }
        if isDirectory.boolValue { throw ValidationError("\(flag) \(path): is a directory; expected a file") }
    }

    static func url(_ path: String) -> URL { URL(fileURLWithPath: (path as NSString).expandingTildeInPath) }

    /// `base` (a preset's routing, or neutral) with --prefer-reference-prosody, --priority and
    /// --weight applied in that order.
    func routing(base: ModalityRouting) throws -> ModalityRouting {
        var routing = preferReferenceProsody ? .preferReferenceProsody : base
        for argument in priorityArguments {
            let (modality, value) = try Self.split(argument, flag: "--priority")
            guard let n = Int(value) else { throw ValidationError("--priority \(argument): the priority must be an integer") }
            routing[modality].priority = n
        }
        for argument in weightArguments {
            let (modality, value) = try Self.split(argument, flag: "--weight")
            guard let w = Float(value), w.isFinite, w >= 0 else { throw ValidationError("--weight \(argument): the weight must be a number ≥ 0") }
            routing[modality].weight = w
        }
        return routing
    }

    private static func split(_ argument: String, flag: String) throws -> (Modality, String) {
        let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let modality = Modality(routingName: parts[0]) else {
            throw ValidationError("\(flag) \(argument): expected modality=value with modality text, audio, image or control")
        }
        return (modality, parts[1])
    }

    /// The model with the adapter file and CLIP tower loaded (plain Bark without --adapters).
    func model(speech: SpeechModel) throws -> OmniModel {
        try OmniModel(speech: speech, adapterFile: adapters.map(Self.url), clipDirectory: clip.map(Self.url))
    }

    /// The reference audio (24 kHz mono) and CLIP pixels, decoded and checked.
    func media(for model: OmniModel) throws -> (referenceAudio: [Float]?, image: Tensor?) {
        (try referenceAudio.map { try ModalityBundle.loadReferenceAudio(contentsOf: Self.url($0)) },
         try image.map { try ModalityBundle.loadImage(contentsOf: Self.url($0), preprocessor: model.imagePreprocessor) })
    }
}
