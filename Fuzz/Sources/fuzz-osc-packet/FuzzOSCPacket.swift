import Foundation
import LiveControl

/// One input = one UDP datagram as the OSC server receives it: decoded by `OSCPacketDecoder`
/// (liblo for messages, bundle framing walked in Swift), each message mapped by `OSCAddressSpace`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let datagram = Array(UnsafeBufferPointer(start: data, count: size))
    if let messages = try? OSCPacketDecoder.decode(datagram) {
        for message in messages {
            if case let .success((action, delay)) = OSCAddressSpace.action(for: message) {
                _ = action.kindName
                _ = LiveEvent.dueSample(receivedSample: 0, delaySeconds: delay)
            }
        }
    }
    return 0
}
