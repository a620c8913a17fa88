import Hummingbird
import XietongCore
import XietongHTTP
import XietongStore

// The exchange database connector's state and alarms (issue 24), for the business system's administrators and for
// monitoring beside `xietong_exchange_db_*`.
extension NodeController {
    struct ExchangeDatabaseView: Codable {
        var connector: ExchangeConnection.Snapshot
        var alarms: [ExchangeAlarm]
    }

    func exchangeDatabase() async throws -> Response {
        HTTPJSON.response(ExchangeDatabaseView(connector: self.engine.exchange.snapshot, alarms: try await self.engine.store.exchangeAlarms()))
    }
}
