import OmniBark

/// The server's default limit on a request's text.
private let maxTextCharacters = ServeOptions().maxTextCharacters

/// One input = one `POST /say` body, parsed by `SayRequest.parse` exactly as the server does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? SayRequest.parse(Array(UnsafeBufferPointer(start: data, count: size)), maxTextCharacters: maxTextCharacters)
    return 0
}
