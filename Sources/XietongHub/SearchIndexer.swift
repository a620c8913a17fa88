import Foundation
import Logging
import ServiceLifecycle
import XietongCore
import XietongHTTP
import XietongStore

/// Indexes, once, the packages accepted before pooled search existed (hub migration 20, issue 26), from their stored
/// bytes, a few hundred at a time, then idles: new packages are indexed as they are accepted. Tells the administrator
/// when PostgreSQL's character classes keep `pg_trgm` from indexing Chinese (the words are then searched by a scan).
/// Several hub instances may run it at once: each batch deletes what it indexed from the backlog in its transaction.
struct SearchIndexer: NamedService {
    let store: HubStore
    let logger: Logger

    func run() async throws {
        var checked = false
        var total = 0
        await WorkerLoop(clock: self.store.clock).run { _ in
            do {
                if !checked {
                    if try await !self.store.searchTextWorks() {
                        self.logger.error(
                            """
                            PostgreSQL's LC_CTYPE does not class Chinese characters as letters, so pg_trgm cannot index the words of cases: \
                            full-text search scans every package. Create the database with LC_CTYPE C.UTF-8 or zh_CN.UTF-8. \
                            数据库的 LC_CTYPE 不把汉字视为字母，pg_trgm 无法为案件文字建立索引，全文检索将逐一扫描；请以 C.UTF-8 或 zh_CN.UTF-8 建库。
                            """,
                            metadata: ["xietong.code": "search.ctype"]
                        )
                    }
                    checked = true
                }
                let indexed = try await self.store.indexSearchBacklog()
                total += indexed
                guard indexed > 0 else {
                    if total > 0 { self.logger.info("indexed earlier packages for search", metadata: ["xietong.packages": "\(total)"]) }
                    return .stop
                }
                return .again
            } catch {
                self.logger.warning("indexing earlier packages for search failed", metadata: ["xietong.error": "\(error)"])
                return .sleep(.seconds(30))
            }
        }
        // A service that returns would stop the hub's other services: this one idles until the hub stops.
        try? await gracefulShutdown()
    }
}
