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
///
/// The read (idle) timeout is kept here, by a watchdog timer that fails the transfer once no bytes
/// have arrived for that long: Linux URLSession truncates `timeoutIntervalForRequest` to whole
/// seconds (0.5 s becomes "time out at once"), so it is set a second above, as a backstop only.
///
/// Thread safety: URLSession calls the delegate methods on the transfer's serial operation queue,
/// the watchdog runs on a Dispatch queue and `perform` on the cooperative pool; every mutable
/// field is read and written under `lock`, and the handlers are called outside it.
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
    /// When a response head, redirect or body chunk last arrived (or the transfer started).
    private var lastActivity = ContinuousClock.now

    private init(request: URLRequest, collectLimit: Int, onResponse: @escaping ResponseHandler, onChunk: @escaping ChunkHandler) {
        self.request = request
        self.collectLimit = collectLimit
        self.onResponse = onResponse
        self.onChunk = onChunk
    }

    /// Performs `request`; returns when the body has been fully delivered or collected.
    ///
    /// The host must accept a connection within `timeouts.connect` seconds (`TCPConnectProbe`,
    /// unless a proxy is configured) and the transfer fails after `timeouts.read` seconds without
    /// data. Transport failures are thrown as `NetworkFailure`; errors thrown by the handlers are
    /// rethrown as is.
    static func perform(
        _ request: URLRequest,
        timeouts: NetworkTimeouts,
        collectLimit: Int = 16 << 20,
        onResponse: @escaping ResponseHandler,
        onChunk: @escaping ChunkHandler = { _ in }
    ) async throws -> Outcome {
        if let url = request.url, TCPConnectProbe.applies(to: url) {
            try await TCPConnectProbe.check(url, timeout: timeouts.connect)
        }
        do {
            return try await run(request, readTimeout: timeouts.read, collectLimit: collectLimit, onResponse: onResponse, onChunk: onChunk)
        } catch let error as URLError {
            throw NetworkFailure.from(error, url: request.url, readTimeout: timeouts.read)
        }
    }

    /// The URLSession transfer itself; transport failures are thrown as URLError.
    private static func run(
        _ request: URLRequest,
        readTimeout: TimeInterval,
        collectLimit: Int,
        onResponse: @escaping ResponseHandler,
        onChunk: @escaping ChunkHandler
    ) async throws -> Outcome {
        let transfer = HTTPTransfer(request: request, collectLimit: collectLimit, onResponse: onResponse, onChunk: onChunk)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = readTimeout.rounded(.up) + 1  // backstop; see the type's comment
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: transfer, delegateQueue: queue)
        defer { session.finishTasksAndInvalidate() }
        let task = session.dataTask(with: request)
        let watchdog = transfer.watch(task, readTimeout: readTimeout)
        defer { watchdog.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.lock.withLock {
                    transfer.continuation = continuation
                    transfer.lastActivity = .now
                }
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
    }

    /// Cancels `task` with `NetworkFailure.readTimedOut` once nothing has arrived for `readTimeout`
    /// seconds, checking ten times per timeout (at most every 0.5 s), so it fires at most 10 % or
    /// 0.5 s late. A Dispatch timer, not a task, so it fires on time even when the cooperative
    /// thread pool is busy; the caller cancels it when the transfer ends.
    private func watch(_ task: URLSessionDataTask, readTimeout: TimeInterval) -> DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        let limit = Duration.seconds(readTimeout)
        let interval = min(readTimeout / 10, 0.5)
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            let idle = self.lock.withLock { ContinuousClock.now - self.lastActivity }
            if idle >= limit {
                self.fail(NetworkFailure.readTimedOut(seconds: readTimeout))
                task.cancel()
            }
        }
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.resume()
        return timer
    }

    /// Notes that bytes (or a response head) arrived.
    private func touch() {
        lock.withLock { lastActivity = .now }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        touch()
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
        touch()
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
        touch()
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
