import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP GET through URLSession's delegate callbacks, so that a large body streams to a
/// caller-supplied sink chunk by chunk instead of being held in memory (Linux Foundation has no
/// `URLSession.bytes(for:)`).
///
/// Redirects are followed with the original request's headers re-applied (so `Range` survives the
/// hub's redirect of LFS files to its CDN), except `Authorization`, which is dropped when the
/// redirect leaves the original host, as browsers and huggingface_hub's HTTP client do.
final class HTTPTransfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    /// What a finished transfer produced.
    struct Outcome: Sendable {
        /// The final response (after redirects).
        var response: HTTPURLResponse
        /// The body when it was collected rather than streamed (non-2xx answers, or `collect` mode).
        var collectedBody: Data
    }

    /// Whether the body of a response goes to the sink or is collected (up to a limit).
    enum BodyHandling: Sendable {
        case stream
        case collect
    }

    /// Decides, from the response head, how its body is handled. Throwing cancels the transfer.
    typealias ResponseHandler = @Sendable (HTTPURLResponse) throws -> BodyHandling
    /// Receives each streamed chunk. Throwing cancels the transfer with that error.
    typealias ChunkHandler = @Sendable (Data) throws -> Void

    private let request: URLRequest
    private let onResponse: ResponseHandler
    private let onChunk: ChunkHandler
    private let collectLimit: Int
    private let lock = NSLock()
    private var handling: BodyHandling = .collect
    private var collected = Data()
    private var finalResponse: HTTPURLResponse?
    private var sinkError: Error?
    private var continuation: CheckedContinuation<Outcome, Error>?

    private init(request: URLRequest, collectLimit: Int, onResponse: @escaping ResponseHandler, onChunk: @escaping ChunkHandler) {
        self.request = request
        self.collectLimit = collectLimit
        self.onResponse = onResponse
        self.onChunk = onChunk
    }

    /// Performs `request`; returns when the body has been fully delivered or collected.
    /// Transport failures are thrown as URLError; errors thrown by the handlers are rethrown as is.
    static func perform(
        _ request: URLRequest,
        timeout: TimeInterval,
        collectLimit: Int = 16 << 20,
        onResponse: @escaping ResponseHandler,
        onChunk: @escaping ChunkHandler = { _ in }
    ) async throws -> Outcome {
        let transfer = HTTPTransfer(request: request, collectLimit: collectLimit, onResponse: onResponse, onChunk: onChunk)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: transfer, delegateQueue: queue)
        defer { session.finishTasksAndInvalidate() }
        let task = session.dataTask(with: request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.lock.withLock { transfer.continuation = continuation }
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let http = response as? HTTPURLResponse else {
            fail(URLError(.badServerResponse))
            completionHandler(.cancel)
            return
        }
        do {
            let handling = try onResponse(http)
            lock.withLock {
                self.finalResponse = http
                self.handling = (200..<300).contains(http.statusCode) ? handling : .collect
            }
            completionHandler(.allow)
        } catch {
            fail(error)
            completionHandler(.cancel)
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let (handling, failed) = lock.withLock { (self.handling, self.sinkError != nil) }
        if failed { return }
        switch handling {
        case .collect:
            lock.withLock {
                if collected.count < collectLimit { collected.append(data.prefix(collectLimit - collected.count)) }
            }
        case .stream:
            do {
                try onChunk(data)
            } catch {
                fail(error)
                dataTask.cancel()
            }
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        var redirected = newRequest
        let sameHost = newRequest.url?.host == request.url?.host && newRequest.url?.port == request.url?.port
        for (field, value) in request.allHTTPHeaderFields ?? [:] {
            if field.caseInsensitiveCompare("Authorization") == .orderedSame && !sameHost { continue }
            redirected.setValue(value, forHTTPHeaderField: field)
        }
        if !sameHost { redirected.setValue(nil, forHTTPHeaderField: "Authorization") }
        completionHandler(redirected)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        let (continuation, sinkError, response, body) = lock.withLock {
            let result = (self.continuation, self.sinkError, self.finalResponse, self.collected)
            self.continuation = nil
            return result
        }
        guard let continuation else { return }
        if let sinkError {
            continuation.resume(throwing: sinkError)
        } else if let error {
            continuation.resume(throwing: error)
        } else if let response {
            continuation.resume(returning: Outcome(response: response, collectedBody: body))
        } else {
            continuation.resume(throwing: URLError(.badServerResponse))
        }
    }

    private func fail(_ error: Error) {
        lock.withLock { if sinkError == nil { sinkError = error } }
    }
}

extension HTTPURLResponse {
    /// A response header, looked up case-insensitively.
    func header(_ name: String) -> String? {
        for (key, value) in allHeaderFields {
            if let key = key as? String, key.caseInsensitiveCompare(name) == .orderedSame { return value as? String }
        }
        return nil
    }
}
