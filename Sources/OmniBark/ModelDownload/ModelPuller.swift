import Checkpoints
import Foundation

/// What `ModelPuller.pull` should fetch, from where, to where.
public struct ModelPullOptions: Sendable {
    public var repository: HubRepository
    public var revision: String
    public var destination: URL
    public var token: String?
    public var selection: ModelFileSelection
    /// Files downloaded at the same time.
    public var concurrentFiles: Int
    public var retry: RetryPolicy
    /// Connect and read (idle) timeouts of each request.
    public var timeouts: NetworkTimeouts

    public init(repository: HubRepository, revision: String = "main", destination: URL, token: String? = nil,
                selection: ModelFileSelection = ModelFileSelection(), concurrentFiles: Int = 2,
                retry: RetryPolicy = RetryPolicy(), timeouts: NetworkTimeouts = .standard) {
        self.repository = repository
        self.revision = revision
        self.destination = destination
        self.token = token
        self.selection = selection
        self.concurrentFiles = max(1, concurrentFiles)
        self.retry = retry
        self.timeouts = timeouts
    }
}

/// What a pull did.
public struct ModelPullSummary: Sendable, Equatable {
    /// The commit the revision resolved to.
    public var commit: String
    /// Paths fetched by this run.
    public var downloaded: [String]
    /// Paths already present with the right size and checksum.
    public var alreadyPresent: [String]
    /// Bytes transferred by this run (resumed bytes excluded).
    public var bytesTransferred: Int64
}

/// Fetches a Bark model's files from a hub into a directory (`omnibark models pull`).
public enum ModelPuller {
    /// Lists the repository at `options.revision`, picks the model's files, and fetches them a
    /// few at a time. Files that fail do not stop the others; the error then lists every failure.
    public static func pull(_ options: ModelPullOptions, progress: DownloadProgress = DownloadProgress()) async throws -> ModelPullSummary {
        let client = HubClient(repository: options.repository, token: options.token, retry: options.retry, timeouts: options.timeouts)
        let listing = try await client.listing(revision: options.revision, progress: progress)
        let files = try options.selection.select(from: listing.files, repo: options.repository.id, revision: options.revision)
        let total = files.reduce(Int64(0)) { $0 + $1.size }
        progress.note("\(options.repository.id)@\(options.revision) (commit \(listing.commit)): \(files.count) files, "
            + "\(ByteFormatting.bytes(total)) -> \(options.destination.path)")
        do {
            try FileManager.default.createDirectory(at: options.destination, withIntermediateDirectories: true)
        } catch {
            throw ModelDownloadError.fileSystem(path: options.destination.path, operation: "create directory", underlying: ErrorMessage.reason(error))
        }
        let downloader = FileDownloader(client: client, commit: listing.commit, revision: options.revision,
                                        destination: options.destination, progress: progress)
        var summary = ModelPullSummary(commit: listing.commit, downloaded: [], alreadyPresent: [], bytesTransferred: 0)
        var failures: [String: String] = [:]
        await withTaskGroup(of: (String, Result<FileDownloader.Outcome, Error>).self) { group in
            var pending = files[...]
            func startNext() {
                guard let file = pending.popFirst() else { return }
                group.addTask {
                    do { return (file.path, .success(try await downloader.fetch(file))) } catch { return (file.path, .failure(error)) }
                }
            }
            for _ in 0..<options.concurrentFiles { startNext() }
            for await (path, result) in group {
                switch result {
                case .success(.alreadyPresent): summary.alreadyPresent.append(path)
                case .success(.downloaded(let bytes)):
                    summary.downloaded.append(path)
                    summary.bytesTransferred += bytes
                case .failure(let error): failures[path] = (error as? ModelDownloadError)?.description ?? ErrorMessage.reason(error)
                }
                startNext()
            }
        }
        if !failures.isEmpty { throw ModelDownloadError.someFilesFailed(failures) }
        summary.downloaded.sort()
        summary.alreadyPresent.sort()
        return summary
    }
}
