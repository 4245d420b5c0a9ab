import NetworkStreaming

/// Sink specs in presets: exactly what `--sink` takes (`SinkSpec.parse`, the one parser), plus
/// the Icecast URL check `serve` applies. `live` takes only `jack` and `wav:FILE`; the command
/// that applies a preset refuses a spec it cannot serve.
public enum PresetSinkSpec {
    /// The forms, as messages list them.
    public static let forms = "jack, jack:PORT[,PORT], wav:FILE, http:PORT or icecast:URL"

    /// Why `spec` is not a sink spec, or nil when it is one. The message never echoes an Icecast
    /// URL (it carries the source password).
    public static func problem(_ spec: String) -> String? {
        let parsed: SinkSpec
        do { parsed = try SinkSpec.parse(spec) } catch { return error.reason }
        if case let .icecast(url) = parsed, (try? IcecastSource.Configuration(url: url)) == nil {
            return "icecast:URL needs a URL of the form http://source:PASSWORD@HOST:PORT/MOUNT"
        }
        return nil
    }
}
