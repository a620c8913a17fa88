import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore

/// Wakes this instance's long-polling nodes when any hub instance appends to their feed: the store announces each
/// append on `HubStore.feedChannel` when its transaction commits (PostgreSQL: NOTIFY), so a push reaches a node
/// whichever instance it is connected to (issue 4).
struct FeedRelay: NamedService {
    let database: any SQLDatabase
    let notifier: ChangeNotifier

    func run() async throws {
        let notifications = self.database.notifications(on: HubStore.feedChannel)
        await cancelWhenGracefulShutdown {
            for await organisation in notifications {
                if organisation.isEmpty {
                    await self.notifier.notifyAll()
                } else {
                    await self.notifier.notify(organisation)
                }
            }
        }
    }
}
