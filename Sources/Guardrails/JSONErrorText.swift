import Checkpoints
import Foundation

/// The reason a JSON document was rejected, in the parser's own words ("Unexpected character 'x'
/// around line 1, column 5") rather than a Foundation domain and code.
enum JSONErrorText {
    static func reason(_ error: any Error) -> String {
        let bridged = error as NSError
        if let debug = bridged.userInfo["NSDebugDescription"] as? String, !debug.isEmpty { return debug }
        return ErrorMessage.reason(error)
    }
}
