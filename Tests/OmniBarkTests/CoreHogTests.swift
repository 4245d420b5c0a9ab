import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import OmniBark

/// The benchmark's busy-machine load (`bench --hog`) with the real stress-ng (`make test` installs
/// Debian's `stress-ng`).
@Suite(.serialized) struct CoreHogTests {
    /// A process started from a thread that blocks SIGTERM and SIGINT (a test runner's worker
    /// thread did, and the bench started from it hung forever in `stop`: stress-ng had inherited
    /// the blocked SIGTERM) still gets a stress-ng that `stop` ends: in a group of its own, with
    /// nothing of the group left afterwards.
    @Test func stopEndsStressNGStartedWithSIGTERMBlocked() throws {
        try #require(["/usr/bin/stress-ng", "/usr/local/bin/stress-ng"].contains { FileManager.default.isExecutableFile(atPath: $0) },
                     "stress-ng is not installed (`make test` installs Debian's stress-ng)")
        var blocked = sigset_t(), previous = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        sigaddset(&blocked, SIGINT)
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        let hog = CoreHog.start { _ in }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        #expect(hog.description == "stress-ng --cpu 1")
        let pid = try #require(hog.processIdentifier)
        #expect(getpgid(pid) == pid, "stress-ng leads its own process group")
        // Let stress-ng start its worker (a member of the same group), so that stop has two to end.
        let until = Date().addingTimeInterval(5)
        while Date() < until && !groupHasWorker(pid) { usleep(20_000) }
        #expect(groupHasWorker(pid), "no stress-ng worker appeared in group \(pid)")
        // Running (its worker started), stress-ng has SIGTERM unblocked: not the starter's mask.
        let blockedMask = try #require(blockedSignals(pid), "no SigBlk in /proc/\(pid)/status")
        #expect(blockedMask & (1 << UInt64(SIGTERM - 1)) == 0, "stress-ng was started with SIGTERM blocked")

        let stopped = DispatchSemaphore(value: 0)
        Thread { hog.stop(); stopped.signal() }.start()
        // A bound on a hang, not a timing goal: stop waits 2 s at most before SIGKILL.
        #expect(stopped.wait(timeout: .now() + 30) == .success, "CoreHog.stop did not return")
        #expect(kill(pid, 0) == -1 && errno == ESRCH, "stress-ng (pid \(pid)) is still there")
        #expect(kill(-pid, 0) == -1 && errno == ESRCH, "a member of group \(pid) is still there")
        #expect(hog.processIdentifier == nil)
        hog.stop()  // a second stop does nothing
    }

    /// The blocked-signal mask of `pid` (`SigBlk` in /proc/PID/status; bit n − 1 is signal n).
    private func blockedSignals(_ pid: pid_t) -> UInt64? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigBlk:") }) else { return nil }
        return UInt64(line.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16)
    }

    /// Whether a process other than `leader` is in `leader`'s process group (from /proc).
    private func groupHasWorker(_ leader: pid_t) -> Bool {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.contains { pid in
            pid != leader && getpgid(pid) == leader
        }
    }
}
