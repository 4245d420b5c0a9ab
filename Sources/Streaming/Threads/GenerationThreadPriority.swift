#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Gives the generation thread (the producer that fills a ``JackSink``'s ring buffer) a real
/// scheduling priority, so that a busy machine delays it less: a realtime policy at a modest
/// priority below JACK's own process threads if permitted, else a lower nice value.
///
/// ```swift
/// let report = GenerationThreadPriority.applyToCurrentThread(belowJackPriority: sink.realtimePriority)
/// log(report.description)   // "SCHED_FIFO priority 5" or "normal scheduling: SCHED_FIFO not permitted (EPERM); nice -5"
/// ```
///
/// It never fails: whatever it could not get is named in the report. Realtime policies need
/// `CAP_SYS_NICE` or an `RLIMIT_RTPRIO` allowance (e.g. the `audio` group's limits); a negative
/// nice needs `CAP_SYS_NICE` or `RLIMIT_NICE`.
///
/// Thread safety: affects only the calling thread (on Linux, `setpriority(PRIO_PROCESS, 0, …)`
/// applies to the calling thread, not the whole process); call it from the thread to raise.
public enum GenerationThreadPriority {
    /// What the calling thread got.
    public struct Report: Sendable, Equatable, CustomStringConvertible {
        /// The policy now in force: `"SCHED_FIFO"`, `"SCHED_RR"` or `"SCHED_OTHER"`.
        public let policy: String
        /// The realtime priority, for SCHED_FIFO/SCHED_RR.
        public let realtimePriority: Int?
        /// The thread's nice value after the call, for SCHED_OTHER.
        public let nice: Int?
        /// One line saying what was got and, if less than asked, why.
        public let description: String

        /// True when a realtime policy is in force.
        public var isRealtime: Bool { realtimePriority != nil }
    }

    /// Default realtime priority: well below JACK's (jackd's default is 10 for its own threads,
    /// and `-P 70` is common for audio setups).
    public static let defaultRealtimePriority = 5
    /// Default nice value when no realtime policy is allowed.
    public static let defaultNice = -5

    /// Tries SCHED_FIFO, then SCHED_RR, at `realtimePriority` (lowered to `belowJackPriority - 1`
    /// when that is given and lower; at least 1); when neither is permitted, tries nice value
    /// `nice` (-20…19) for the calling thread. Returns what the thread got.
    ///
    /// - Parameters:
    ///   - realtimePriority: wanted SCHED_FIFO/RR priority (1…99 on Linux; outside that range
    ///     the realtime attempt is skipped and the report says so).
    ///   - belowJackPriority: JACK's process-thread priority (``JackSink/realtimePriority``), or nil.
    ///   - nice: fallback nice value (-20…19; outside that range the nice attempt is skipped).
    public static func applyToCurrentThread(realtimePriority requested: Int? = defaultRealtimePriority,
                                            belowJackPriority: Int? = nil,
                                            nice: Int = defaultNice) -> Report {
        // nil: no realtime policy asked for (a compute-bound thread under SCHED_FIFO can starve
        // every normal thread of its core); only the nice value is tried.
        let realtimePriority = requested ?? 0
        var priority = realtimePriority
        if let jack = belowJackPriority { priority = min(priority, jack - 1) }
        priority = max(priority, 1)
        let minimum = Int(sched_get_priority_min(Int32(SCHED_FIFO)))
        let maximum = Int(sched_get_priority_max(Int32(SCHED_FIFO)))

        var why: String
        if requested == nil {
            why = "realtime scheduling not requested"
        } else if realtimePriority < minimum || realtimePriority > maximum {
            why = "realtime priority \(realtimePriority) outside \(minimum)...\(maximum)"
        } else {
            var parameters = sched_param()
            parameters.sched_priority = Int32(priority)
            let fifo = pthread_setschedparam(pthread_self(), Int32(SCHED_FIFO), &parameters)
            if fifo == 0 {
                return Report(policy: "SCHED_FIFO", realtimePriority: priority, nice: nil,
                              description: "SCHED_FIFO priority \(priority)")
            }
            let roundRobin = pthread_setschedparam(pthread_self(), Int32(SCHED_RR), &parameters)
            if roundRobin == 0 {
                return Report(policy: "SCHED_RR", realtimePriority: priority, nice: nil,
                              description: "SCHED_RR priority \(priority) (SCHED_FIFO not permitted: \(errorName(fifo)))")
            }
            why = "SCHED_FIFO not permitted (\(errorName(fifo)))"
        }

        guard (-20...19).contains(nice) else {
            let current = currentNice()
            return Report(policy: "SCHED_OTHER", realtimePriority: nil, nice: current,
                          description: "normal scheduling: \(why); nice \(nice) outside -20...19, nice stays \(current)")
        }
        #if canImport(Glibc)
        let result = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Int32(nice))
        #else
        let result = setpriority(PRIO_PROCESS, 0, Int32(nice))
        #endif
        let failure = result == 0 ? 0 : errno
        let current = currentNice()
        if failure == 0 {
            return Report(policy: "SCHED_OTHER", realtimePriority: nil, nice: current,
                          description: "normal scheduling: \(why); nice \(current)")
        }
        return Report(policy: "SCHED_OTHER", realtimePriority: nil, nice: current,
                      description: "normal scheduling: \(why); nice \(nice) not permitted (\(errorName(failure))), nice stays \(current)")
    }

    /// The calling thread's nice value.
    private static func currentNice() -> Int {
        errno = 0
        #if canImport(Glibc)
        let value = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        #else
        let value = getpriority(PRIO_PROCESS, 0)
        #endif
        return Int(value)
    }

    private static func errorName(_ code: Int32) -> String {
        switch code {
        case EPERM: return "EPERM"
        case EACCES: return "EACCES"
        case EINVAL: return "EINVAL"
        case ESRCH: return "ESRCH"
        case ENOTSUP: return "ENOTSUP"
        default: return "errno \(code)"
        }
    }
}
