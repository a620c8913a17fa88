/// Concurrent callers' writes in one transaction (issue 25).
///
/// 500 nodes each sending a package now and then make 500 transactions of one package each, and a transaction's
/// fixed cost (its begin and commit, the evidence log's append, the feed heads) is most of a small package's cost on
/// PostgreSQL. Callers hand their items here instead; one transaction at a time runs, for everything that waited
/// while the one before it ran (up to `maximumItems`), and each caller gets its own outputs back. A lone caller waits
/// for nothing: its transaction starts at once.
///
/// When a group's transaction fails, nothing of it was written; each caller's items then run again in a transaction
/// of their own, so that one caller's bad item fails only that caller.
///
/// (The embedded database also shares one commit among concurrent transactions, each in a savepoint: that saves the
/// fsyncs, not the statements. This saves the statements, on either database.)
public actor TransactionGroup<Item: Sendable, Output: Sendable> {
    /// Stores `items` in `transaction` and returns one output per item, in order.
    public typealias Work = @Sendable (_ items: [Item], _ transaction: any SQLTransaction) async throws -> [Output]

    struct Caller {
        var items: [Item]
        var continuation: CheckedContinuation<[Output], any Error>
    }

    let database: any SQLDatabase
    let maximumItems: Int
    let work: Work
    private var waiting: [Caller] = []
    private var running = false
    /// The transactions run so far and the callers they served (for tests and metrics).
    public private(set) var transactions = 0
    public private(set) var callers = 0

    public init(database: any SQLDatabase, maximumItems: Int = 64, work: @escaping Work) {
        self.database = database
        self.maximumItems = max(1, maximumItems)
        self.work = work
    }

    /// Runs `items` in the next transaction, with whatever other callers' items wait for it.
    public func run(_ items: [Item]) async throws -> [Output] {
        guard !items.isEmpty else { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            self.waiting.append(Caller(items: items, continuation: continuation))
            if !self.running {
                self.running = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !self.waiting.isEmpty {
            var group = [self.waiting.removeFirst()]
            var count = group[0].items.count
            while let next = self.waiting.first, count + next.items.count <= self.maximumItems {
                group.append(self.waiting.removeFirst())
                count += next.items.count
            }
            await self.commit(group)
        }
        self.running = false
    }

    private func commit(_ group: [Caller]) async {
        self.transactions += 1
        self.callers += group.count
        do {
            let outputs = try await self.runAlone(group.flatMap(\.items))
            var offset = 0
            for caller in group {
                caller.continuation.resume(returning: Array(outputs[offset..<offset + caller.items.count]))
                offset += caller.items.count
            }
        } catch {
            guard group.count > 1 else { return group[0].continuation.resume(throwing: error) }
            for caller in group {
                self.transactions += 1
                do {
                    caller.continuation.resume(returning: try await self.runAlone(caller.items))
                } catch {
                    caller.continuation.resume(throwing: error)
                }
            }
        }
    }

    /// `items` in a transaction of their own.
    private func runAlone(_ items: [Item]) async throws -> [Output] {
        let work = self.work
        let outputs = try await self.database.transaction { transaction in try await work(items, transaction) }
        guard outputs.count == items.count else {
            throw StoreError(.query, zh: "批量写入的结果数与条目数不符", en: "a group's work returned \(outputs.count) outputs for \(items.count) items")
        }
        return outputs
    }
}
