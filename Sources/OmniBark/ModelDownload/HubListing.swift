import Checkpoints
import Foundation

/// What a repository holds at one commit: the listing `omnibark models pull` chooses files from.
public struct HubListing: Sendable {
    /// The commit the requested revision pointed at (all files are fetched from it).
    public var commit: String
    public var files: [HubFile]
}

extension HubClient {
    private struct RevisionInfo: Decodable {
        var sha: String?
    }

    /// Resolves `revision` to a commit (as huggingface_hub's `snapshot_download` does with
    /// `repo_info`), then lists every file at that commit with `list_repo_tree(recursive=True)`'s
    /// request, following pagination. Retries are reported to `progress`.
    public func listing(revision: String, progress: DownloadProgress = .silent) async throws -> HubListing {
        let infoURL = repository.revisionInfoURL(revision: revision)
        let (infoData, _) = try await getJSON(infoURL, revision: revision, progress: progress)
        let info: RevisionInfo
        do {
            info = try JSONDecoder().decode(RevisionInfo.self, from: infoData)
        } catch {
            throw ModelDownloadError.malformedResponse(url: infoURL, reason: "revision info is not JSON with a 'sha': \(DecodingErrorText.describe(error))")
        }
        let commit = info.sha ?? revision

        var files: [HubFile] = []
        var pageURL: URL? = repository.treeURL(revision: commit)
        var pages = 0
        while let url = pageURL {
            pages += 1
            guard pages <= 10_000 else {
                throw ModelDownloadError.malformedResponse(url: url, reason: "tree listing did not end after 10000 pages")
            }
            let (data, response) = try await getJSON(url, revision: revision, progress: progress)
            let entries: [HubTreeEntry]
            do {
                entries = try JSONDecoder().decode([HubTreeEntry].self, from: data)
            } catch {
                throw ModelDownloadError.malformedResponse(url: url, reason: "tree listing is not a JSON array of entries: \(DecodingErrorText.describe(error))")
            }
            files += entries.compactMap(HubFile.init(entry:))
            pageURL = Self.nextPageURL(linkHeader: response.header("Link"), base: url)
        }
        return HubListing(commit: commit, files: files)
    }
}
