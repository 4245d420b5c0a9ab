import ArgumentParser
import Foundation
import Modalities
import OmniBark
import Tensors

/// `--router on|off` and `--cost-profile` (shared by live and serve).
struct RouterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The latency router: skips the costliest, least important work (modalities by priority, fusion layers, fine context and codebooks, at last the fine stage; the preset's `router_steps` sets the order) to hold the preset's latency budget, and restores it when the machine recovers. Default: the preset's `router`, else off.", valueName: "on|off"))
    var router: RouterSwitch?

    @Option(name: .customLong("cost-profile"), help: ArgumentHelp("A cost profile (from `omnibark bench --calibrate FILE`) that warm-starts the router's cost model; without one it learns from the first utterance.", valueName: "file"))
    var costProfile: String?

    @Option(name: .customLong("lighter-weights"), help: ArgumentHelp("Load the model a second time in this lighter weight format (q4 beside int8, say: about 140 MB more for bark-small's transformers) for the router's lighter-weights step (next to last, before coarse-only): while the machine cannot keep up even with the steps before it taken, the next utterances are spoken with it. Its decoding time against the loaded format's is measured at start (1–3 s); a format measured no faster is not used.", valueName: "format"))
    var lighterWeights: WeightFormatArgument?

    /// The router's settings: on by the flag, else by the preset; the budget and required
    /// modalities from the preset (defaults: 1 s to first audio, 0.25 s lag, 0.2 s lead).
    /// `loadLighter` loads the model in --lighter-weights' format (only when the router is on).
    func settings(preset: EnginePreset?, loaded: SpeechModel, loadLighter: (WeightFormat) throws -> SpeechModel) throws -> RouterSettings? {
        let on = router.map { $0 == .on } ?? preset?.router ?? false
        guard on else {
            if let lighterWeights { throw ValidationError("--lighter-weights \(lighterWeights.rawValue) is the router's step, and the router is off: add --router on") }
            return nil
        }
        let costs = try costProfile.map { try CostProfile.load(contentsOf: URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath)) } ?? CostModel()
        var required: Set<Modality> = []
        if let preset {
            for kind in EnginePreset.ModalityKind.allCases where preset.modalities[kind].required {
                if let modality = Modality(routingName: kind.rawValue) { required.insert(modality) }
            }
        }
        var lighter: LighterWeights?
        if let format = lighterWeights?.format {
            let current = loaded.generator.models.weightFormat
            try LighterWeights.check(format, isLighterThan: current)
            let measured = try LighterWeights.measure(primary: loaded, lighter: try loadLighter(format))
            FileHandle.standardError.write(Data(measured.summary(against: current).utf8))
            lighter = measured
        }
        return RouterSettings(budget: preset?.latency ?? EnginePreset.Latency(targetFirstAudio: 1, maxLag: 0.25, minLead: 0.2),
                              order: preset?.routerSteps ?? RouterStep.defaultOrder, costs: costs, required: required, lighter: lighter)
    }
}

enum RouterSwitch: String, ExpressibleByArgument, CaseIterable {
    case on, off
}
