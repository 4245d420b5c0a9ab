import Checkpoints
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Fetches one listed file into a directory: resumable, verified, and atomic.
///
/// Bytes go to `.<name>.incomplete` beside the final path; an existing partial is resumed with
/// `Range: bytes=N-` (a 200 answer restarts it, a 416 discards it). Only once size and checksum
/// match is the file renamed to its final name, so a failed or corrupt download never appears
/// there. A file already in place with the right size and checksum is left alone.
struct FileDownloader: Sendable {
    /// What fetching a file did.
    enum Outcome: Sendable, Equatable {
        case alreadyPresent
        case downloaded(bytes: Int64)
    }

    var client: HubClient
    /// The commit to fetch from (the revision resolved once for all files).
    var commit: String
    var revision: String
    var destination: URL
    var progress: DownloadProgress

    func fetch(_ file: HubFile) async throws -> Outcome {
        let finalURL = destination.appendingPathComponent(file.path)
        if isComplete(finalURL, file) {
            progress.skipped(file.path, bytes: file.size)
            return .alreadyPresent
        }
        do {
            try FileManager.default.createDirectory(at: finalURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw ModelDownloadError.fileSystem(path: finalURL.deletingLastPathComponent().path, operation: "create directory", underlying: ErrorMessage.reason(error))
        }
        let source = client.repository.resolveURL(revision: commit, path: file.path)
        var allowFreshRetry = true
        while true {
            let resumedFrom = PartialFile.fileSize(PartialFile.incompleteURL(for: finalURL)) ?? 0
            do {
                let fetched = try await client.retry.run(url: source, onRetry: { error, attempt, wait in
                    progress.retrying(file.path, attempt: attempt, of: client.retry.maxAttempts, after: wait, because: error.reason)
                }) {
                    try await attempt(file, finalURL: finalURL, source: source)
                }
                try commitFile(from: PartialFile.incompleteURL(for: finalURL), to: finalURL)
                progress.finished(file.path, bytes: file.size)
                return .downloaded(bytes: fetched)
            } catch let error as ModelDownloadError {
                // A resumed partial may have been corrupt before this run: start over once.
                if case .checksumMismatch = error, resumedFrom > 0, allowFreshRetry {
                    allowFreshRetry = false
                    progress.note("\(file.path): \(error.description); downloading it again from the start")
                    continue
                }
                progress.failed(file.path, error.description)
                throw error
            }
        }
    }

    /// One download attempt; returns the bytes transferred by it. Leaves a verified
    /// incomplete file, or throws (keeping a partial only when a resume can continue it).
    private func attempt(_ file: HubFile, finalURL: URL, source: URL) async throws -> Int64 {
        let partial = try PartialFile(final: finalURL, expectedSize: file.size, checksum: file.checksum)
        let startOffset = partial.count
        progress.started(file.path, total: file.size, resumedAt: startOffset)
        if startOffset < file.size {
            try await transfer(into: partial, from: source, offset: startOffset, file: file)
        }
        let received = partial.count
        let digest: String
        do {
            digest = try partial.close()
        } catch {
            partial.abandon()
            throw error
        }
        guard received == file.size else {
            // The connection ended early without an error: resumable, so keep the partial.
            throw ModelDownloadError.transport(url: source, receivedBytes: received,
                                               underlying: "connection closed after \(received) of \(file.size) bytes")
        }
        guard digest == file.checksum.hex else {
            partial.discard()
            throw ModelDownloadError.checksumMismatch(file: file.path, url: source, expected: file.checksum, actualHex: digest)
        }
        return received - startOffset
    }

    /// Streams the body of `source` from `offset` into `partial`.
    private func transfer(into partial: PartialFile, from source: URL, offset: Int64, file: HubFile) async throws {
        let request = client.request(source, rangeStart: offset)
        let reporter = progress
        let path = file.path
        let outcome: HTTPTransfer.Outcome
        do {
            outcome = try await HTTPTransfer.perform(request, timeouts: client.timeouts, collectLimit: 64 << 10, onResponse: { response in
                switch response.statusCode {
                case 206:
                    let contentRange = response.header("Content-Range")
                    guard offset > 0, contentRange?.hasPrefix("bytes \(offset)-") == true else {
                        throw ModelDownloadError.unexpectedContentRange(url: source, requestedOffset: offset, contentRange: contentRange)
                    }
                    return .stream
                case 200:
                    if offset > 0 { try partial.restart() }
                    return .stream
                default:
                    return .collect
                }
            }, onChunk: { data in
                let count = try partial.append(data, from: source)
                reporter.advanced(path, to: count)
            })
        } catch let failure as NetworkFailure {
            partial.abandon()
            throw ModelDownloadError.transport(url: source, receivedBytes: partial.count, underlying: failure.description)
        } catch let error as ModelDownloadError {
            if case .sizeMismatch = error { partial.discard() } else { partial.abandon() }
            throw error
        } catch {
            partial.abandon()
            throw error
        }
        let status = outcome.response.statusCode
        if status == 416 {
            // The server says our offset is past the end: the partial is not a prefix of this file.
            partial.discard()
            throw ModelDownloadError.transport(url: source, receivedBytes: offset,
                                               underlying: "HTTP 416 for Range bytes=\(offset)-; discarded the partial download")
        }
        guard (200..<300).contains(status) else {
            partial.abandon()
            throw client.classify(status: status, response: outcome.response, body: outcome.collectedBody, url: source, revision: revision)
        }
    }

    /// Whether `url` already holds the file with the listed size and checksum.
    private func isComplete(_ url: URL, _ file: HubFile) -> Bool {
        guard PartialFile.fileSize(url) == file.size else { return false }
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        var accumulator = file.checksum.makeAccumulator(size: file.size)
        while true {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: 1 << 20) } catch { return false }
            guard let chunk, !chunk.isEmpty else { break }  // nil or empty: end of file
            chunk.withUnsafeBytes { accumulator.update($0) }
        }
        return accumulator.finalizeHex() == file.checksum.hex
    }

    /// Atomically renames the verified incomplete file to its final name (replacing any old one).
    private func commitFile(from incomplete: URL, to final: URL) throws {
        guard rename(incomplete.path, final.path) == 0 else {
            let reason = String(cString: strerror(errno))
            throw ModelDownloadError.fileSystem(path: final.path, operation: "rename \(incomplete.lastPathComponent) to", underlying: reason)
        }
    }
}
