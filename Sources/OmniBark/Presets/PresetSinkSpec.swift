import NetworkStreaming

/// The `--sink` spec syntax, as `live` and `serve` take it, checked for presets:
///
/// - `jack`: the JACK client (ports are routed with `--connect` or a patchbay);
/// - `wav:FILE`: a WAV file (`live` and `serve`);
/// - `http:PORT`: the Ogg Opus HTTP stream on PORT, 0…65535, 0 = any free port (`serve`);
/// - `icecast:URL`: an Icecast source, `http://source:PASSWORD@HOST:PORT/MOUNT` (`serve`).
///
/// `live` takes only `jack` and `wav:FILE`; the command that applies a preset refuses a spec it
/// cannot serve.
public enum PresetSinkSpec {
    /// The forms, as messages list them.
    public static let forms = "jack, wav:FILE, http:PORT or icecast:URL"

    /// Why `spec` is not a sink spec, or nil when it is one.
    public static func problem(_ spec: String) -> String? {
        if spec == "jack" { return nil }
        if spec.hasPrefix("wav:") {
            return spec.count > 4 ? nil : "wav:FILE needs a file name"
        }
        if spec.hasPrefix("http:") {
            guard let port = Int(spec.dropFirst(5)), (0...65_535).contains(port) else {
                return "http:PORT needs a port 0…65535 (0 picks a free one), got \"\(spec)\""
            }
            return nil
        }
        if spec.hasPrefix("icecast:") {
            // The source's own parser: the preset accepts exactly what `serve` will connect to. The
            // URL is not echoed, since it carries the source password.
            guard (try? IcecastSource.Configuration(url: String(spec.dropFirst(8)))) != nil else {
                return "icecast:URL needs a URL of the form http://source:PASSWORD@HOST:PORT/MOUNT"
            }
            return nil
        }
        return "must be \(forms), got \"\(spec)\""
    }
}
