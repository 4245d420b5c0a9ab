import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Keeps one core busy for a benchmark's "busy machine" condition: `stress-ng --cpu 1` when it
/// is installed (Debian `stress-ng`), else a thread spinning at normal priority.
///
/// stress-ng is started in a process group of its own, with an empty signal mask and the default
/// actions for SIGTERM and SIGINT (`posix_spawn`; Foundation's `Process` can set neither). A child
/// inherits the signal mask of the thread that starts it, and a process started by a test runner's
/// worker thread — or by anything else that blocks signals — would otherwise hand stress-ng a
/// blocked SIGTERM: it then never stopped, and the benchmark waited for it forever. `stop` sends
/// SIGTERM to the group, waits up to `stopGraceSeconds`, then sends SIGKILL to the group (stress-ng's
/// worker is its child), so it always returns.
///
/// Thread safety: `stop` may be called from any thread, more than once; the state it changes is
/// guarded by `lock`.
public final class CoreHog: @unchecked Sendable, CustomStringConvertible {
    /// The stress-ng process (its group has the same id), nil for the spinning thread or once stopped.
    private var stressPID: pid_t?
    private let usesStressNG: Bool
    private let lock = NSLock()
    private var spinning = true
    /// Where the spinning thread leaves its result.
    private var sink = 0.0
    /// Seconds `stop` waits after SIGTERM before it kills the group.
    static let stopGraceSeconds = 2.0

    private init(stressPID: pid_t?) {
        self.stressPID = stressPID
        usesStressNG = stressPID != nil
    }

    public var description: String { usesStressNG ? "stress-ng --cpu 1" : "a spinning thread (stress-ng not installed)" }

    /// The stress-ng process while it runs (tests check that `stop` leaves none).
    var processIdentifier: pid_t? { lock.withLock { stressPID } }

    public static func start(log: @Sendable (String) -> Void) -> CoreHog {
        for directory in ["/usr/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: "\(directory)/stress-ng") {
            if let pid = spawnInOwnGroup(executable: "\(directory)/stress-ng", arguments: ["--cpu", "1", "--quiet"]) {
                log("busy machine: stress-ng --cpu 1 (pid \(pid))")
                return CoreHog(stressPID: pid)
            }
        }
        let hog = CoreHog(stressPID: nil)
        let thread = Thread { [hog] in
            var x = 0.0
            while hog.lock.withLock({ hog.spinning }) {
                for i in 0..<100_000 { x += sin(Double(i)) }
            }
            hog.lock.withLock { hog.sink = x }  // keeps the loop from being optimised away
        }
        thread.name = "omnibark.core-hog"
        thread.start()
        log("busy machine: a spinning thread (install stress-ng for the standard load)")
        return hog
    }

    public func stop() {
        let pid: pid_t? = lock.withLock {
            spinning = false
            defer { stressPID = nil }
            return stressPID
        }
        guard let pid else { return }
        kill(-pid, SIGTERM)
        let deadline = Date().addingTimeInterval(Self.stopGraceSeconds)
        var status: Int32 = 0
        while Date() < deadline {
            let reaped = waitpid(pid, &status, WNOHANG)
            // stress-ng waits for its worker before it exits on SIGTERM, so the group is empty now.
            if reaped == pid || (reaped < 0 && errno != EINTR) { return }
            usleep(10_000)
        }
        kill(-pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Starts `executable` with `arguments` as the leader of a new process group, with an empty
    /// signal mask, SIGTERM and SIGINT at their default actions, and standard output and error on
    /// /dev/null. Returns its process id, or nil when it could not be started.
    private static func spawnInOwnGroup(executable: String, arguments: [String]) -> pid_t? {
        var attributes = posix_spawnattr_t()
        guard posix_spawnattr_init(&attributes) == 0 else { return nil }
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t(), defaults = sigset_t()
        sigemptyset(&mask)
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGINT)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        var actions = posix_spawn_file_actions_t()
        guard posix_spawn_file_actions_init(&actions) == 0 else { return nil }
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let result = (argv + [nil]).withUnsafeBufferPointer { pointers -> Int32 in
            guard let base = pointers.baseAddress else { return EINVAL }
            return posix_spawn(&pid, executable, &actions, &attributes, base, environ)
        }
        return result == 0 ? pid : nil
    }
}
