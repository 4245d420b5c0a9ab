import Foundation
import LiveControl

/// One input = one `POST /control` body (or stdin/file line), parsed by `LiveControlJSON.parse`,
/// then each event rendered as its event-log line.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if let events = try? LiveControlJSON.parse(Data(bytes: data, count: size), source: .http, receivedSample: 48_000) {
        for event in events { _ = LiveEventLogLine(event: event, outcome: .dropped(reason: "fuzz")).json }
    }
    return 0
}
