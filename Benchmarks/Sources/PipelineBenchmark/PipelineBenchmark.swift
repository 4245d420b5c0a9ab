import Bark
import Foundation
import OmniBark

/// Time to first audio and real-time factor for the demo model and for bark-small shapes with
/// random weights, and underruns during a live run into a private `jackd -d dummy` server.
///
/// Usage: pipeline-benchmark [--live-seconds 60] [--bark-small-seconds 5.12] [--skip-bark-small]
@main
struct PipelineBenchmark {
    static func main() throws {
        let arguments = CommandLine.arguments
        func value(_ flag: String, _ fallback: Double) -> Double {
            arguments.firstIndex(of: flag).flatMap { $0 + 1 < arguments.count ? Double(arguments[$0 + 1]) : nil } ?? fallback
        }
        let liveSeconds = value("--live-seconds", 60)
        let barkSmallSeconds = value("--bark-small-seconds", 5.12)

        let demoDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-benchmark-demo")
        try DemoModel.create(at: demoDirectory)
        let demo = try SpeechModel(directory: demoDirectory)
        let demoVoice = try demo.voice(DemoModel.voiceName)
        report("demo model (offline + streaming, 5.12 s)", try BenchmarkRun.measure(model: demo, text: "Hello, my dog is cute.", voice: demoVoice, seconds: 5.12))

        // server nil: the run starts (and stops) its own jackd -d dummy (DummyJackServer).
        let live = try LiveBenchmarkRun.measure(model: demo, voice: demoVoice, seconds: liveSeconds, server: nil)
        print(String(format: "demo model live into JACK (dummy, 48 kHz): %.1f s of audio in %d utterances; TTFA %.3f s; RTF %.3f; underruns %d; xruns %d",
                     live.audioSeconds, live.utterances, live.timeToFirstAudio ?? -1, live.realTimeFactor, live.underruns, live.xruns))

        if !arguments.contains("--skip-bark-small") {
            let model = try SpeechModel.synthetic(shape: .barkSmall)
            report("bark-small shapes, random weights (\(barkSmallSeconds) s)",
                   try BenchmarkRun.measure(model: model, text: "Hello, my dog is cute.", voice: try SpeechModel.randomVoice(), seconds: barkSmallSeconds))
        }
    }

    static func report(_ label: String, _ run: BenchmarkRun) {
        let t = run.timings
        print(String(format: "%@: audio %.2f s; RTF %.2f offline, %.2f streaming; TTFA %.2f s; semantic %.2f s, coarse %.2f s (prefill %.2f s over %d windows), fine %.2f s, codec %.2f s; peak %.0f MiB",
                     label, run.audioSeconds, run.realTimeFactor, run.streamingRealTimeFactor, run.timeToFirstAudio,
                     t.semantic, t.coarse, t.coarsePrefill, t.coarseWindows, t.fine, t.codec, run.peakMemoryMiB))
    }
}
