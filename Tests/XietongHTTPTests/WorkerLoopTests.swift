import Foundation
import Logging
import Synchronization
import Testing
import XietongCore
import XietongHTTP

/// The one loop of the background workers (issue 21, item 5): rounds on the injected clock, woken by their signal,
/// ended by `.stop` or cancellation, and a periodic round that fails does not end it. The time limit catches a hang:
/// in a fresh clone's CI, at the start of the suite on 2 cores, a round every millisecond once took over a minute to
/// run three times while every other suite started.
@Suite(.timeLimit(.minutes(4))) struct WorkerLoopTests {
    @Test func roundsAreToldTheTimeByTheInjectedClock() async {
        // A clock set to 09:00 China time on 30 September 2026: the round sees that day, not the machine's.
        let loop = WorkerLoop(clock: .starting(chinaDay: CalendarDate(iso: "2026-09-30")!))
        var seen: [CalendarDate] = []
        await loop.run { now in
            seen.append(CalendarDate(chinaDayOf: now))
            return seen.count < 3 ? .again : .stop
        }
        #expect(seen == Array(repeating: CalendarDate(iso: "2026-09-30")!, count: 3))
    }

    @Test func aWaitEndsWhenItsSignalChanges() async {
        // The first round waits up to ten minutes for "outbox-0"; the signal wakes it at once (the suite's one-minute
        // limit fails the test otherwise).
        let notifier = ChangeNotifier()
        let loop = WorkerLoop(notifier: notifier)
        let rounds = Mutex(0)
        let waker = Task {
            while rounds.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(50))
            await notifier.notify("outbox-0")
        }
        await loop.run { _ in
            let round = rounds.withLock { value in
                value += 1
                return value
            }
            return round == 1 ? .wait(for: "outbox-0", upTo: .seconds(600)) : .stop
        }
        waker.cancel()
        #expect(rounds.withLock { $0 } == 2)
    }

    @Test func aWaitSinceAnOlderVersionDoesNotWaitAtAll() async {
        // Work stored between reading the version and waiting: the signal changed already, so the wait returns at
        // once (the node reads the version before it looks at its store).
        let notifier = ChangeNotifier()
        let version = await notifier.version(of: "reports")
        await notifier.notify("reports")
        var rounds = 0
        await WorkerLoop(notifier: notifier).run { _ in
            rounds += 1
            return rounds == 1 ? .wait(for: "reports", upTo: .seconds(600), since: version) : .stop
        }
        #expect(rounds == 2)
    }

    @Test func cancellationEndsTheLoopAndItsSleep() async {
        let rounds = Mutex(0)
        let worker = Task {
            await WorkerLoop().run { _ in
                rounds.withLock { $0 += 1 }
                return .sleep(.seconds(600))
            }
        }
        while rounds.withLock({ $0 }) == 0 { try? await Task.sleep(for: .milliseconds(10)) }
        worker.cancel()
        await worker.value
        #expect(rounds.withLock { $0 } == 1)
    }

    @Test func aPeriodicRoundThatFailsIsLoggedAndTheNextOneRuns() async {
        struct Failure: Error {}
        let rounds = Mutex(0)
        let worker = Task {
            await WorkerLoop().every(.milliseconds(1), logger: Logger(label: "test"), failure: "round failed") { _ in
                let round = rounds.withLock { value in
                    value += 1
                    return value
                }
                if round == 1 { throw Failure() }
            }
        }
        while rounds.withLock({ $0 }) < 3 { try? await Task.sleep(for: .milliseconds(5)) }
        worker.cancel()
        await worker.value
        #expect(rounds.withLock { $0 } >= 3)
    }
}
