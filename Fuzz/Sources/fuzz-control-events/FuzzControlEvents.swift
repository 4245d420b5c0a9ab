import Foundation
import Modalities

/// One input = one control-events JSON file, parsed and validated by `ControlEvent.parse`, then
/// each event's time converted to seconds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if let events = try? ControlEvent.parse(Data(bytes: data, count: size), file: "fuzz.json") {
        for event in events { _ = event.seconds() }
    }
    return 0
}
