/// The writes a PostgreSQL transaction holds back, to send them to the server together with its next statement
/// (issue 25: the exchange on PostgreSQL was bound by round trips, about 26 a package, each costing both the hub and
/// the server a network exchange and a wake-up). It decides, for each statement the transaction makes, what goes to
/// the server now; `PostgresDatabase.Transaction` sends it.
///
/// Held writes go out as data-modifying common table expressions in front of the next statement that must run now:
/// `WITH w1 AS (INSERT …), w2 AS (INSERT …) SELECT …`. PostgreSQL runs every part of such a statement against the
/// same snapshot, so no part sees another part's changes. A statement therefore joins the group only if it mentions no
/// table a held write changes: then what it reads is what it would have read one statement at a time, and no two parts
/// change the same table (so never the same row). Otherwise the held writes go out first, on their own. Mentioning is
/// judged on words: a column that happens to share a table's name only sends a group out earlier than needed.
///
/// Only inserts of new rows are held (`Reading.holdable`): they lock nothing another transaction waits for, save a
/// racing insert of the same key (PostgreSQL runs the statement that leads a group before the unreferenced inserts in
/// front of it, so their unique-index checks come after its own). The locks the code orders (the feed heads, the
/// evidence log's size row) are taken by statements that never lead a group (`Reading.canLead`).
///
/// Every part runs once and to completion, and foreign-key and unique checks see all of them, as for one statement.
/// An error in any part fails the whole statement, and so the transaction, as it would have failed it one statement
/// at a time; it is reported when the group goes out rather than when the write was made.
struct PostgresWriteGroup: Sendable {
    typealias Statement = (sql: String, binds: [SQLValue])

    /// PostgreSQL takes at most 65,535 parameters in a statement; a group goes out well before.
    static let bindLimit = 30_000

    private var statements: [Statement] = []
    /// Tables the held writes change.
    private var changed: Set<String> = []
    private var bindCount = 0

    var isEmpty: Bool { self.statements.isEmpty }

    /// A statement's SQL as the group judges it, read once.
    struct Reading {
        /// Its identifiers and keywords (`PostgresWriteGroup.words`).
        let words: [String]
        /// The table an INSERT, UPDATE or DELETE changes.
        let target: String?

        init(_ sql: String) {
            self.words = PostgresWriteGroup.words(sql)
            let head = self.words.prefix(3)
            switch head.first {
            case "insert": self.target = head.count == 3 && head[1] == "into" ? head[2] : nil
            case "update": self.target = head.count >= 2 ? head[1] : nil
            case "delete": self.target = head.count == 3 && head[1] == "from" ? head[2] : nil
            default: self.target = nil
            }
        }

        private func follows(_ first: String, by second: (String) -> Bool) -> Bool {
            zip(self.words, self.words.dropFirst()).contains { $0 == first && second($1) }
        }

        /// Whether it is a write that can be held: one INSERT of new rows (not itself a WITH query), at most with
        /// `ON CONFLICT … DO NOTHING`. An UPDATE, a DELETE or an upsert locks rows that other transactions may lock
        /// too, and the parts of one statement run in no set order: held, they could take their locks in another
        /// order than the code states (the feed heads and the evidence log's size row last) and deadlock.
        var holdable: Bool { self.words.first == "insert" && self.target != nil && !self.follows("do", by: { $0 == "update" }) }

        /// Whether it can go out behind the held writes as the statement whose rows are returned: a SELECT, or an
        /// INSERT of new rows. A statement that locks rows (an UPDATE, a DELETE, an upsert, `SELECT … FOR UPDATE`)
        /// goes out after them instead: the locks it takes are the ones concurrent transactions queue for, and the
        /// held writes' work would be done while it holds them.
        var canLead: Bool {
            switch self.words.first {
            case "select": !self.follows("for", by: { ["update", "share", "no", "key"].contains($0) })
            case "insert": self.holdable
            default: false
            }
        }
    }

    // MARK: What goes out

    /// A statement whose rows the transaction reads: what to send now, in order (the last one answers it). The group
    /// is empty afterwards.
    mutating func send(_ sql: String, _ binds: [SQLValue]) -> [Statement] {
        guard !self.isEmpty else { return [(sql, binds)] }
        defer { self = PostgresWriteGroup() }
        if self.admits(statement: Reading(sql), bindCount: binds.count) { return [self.combined(leading: (sql, binds))] }
        return [self.combined(leading: nil), (sql, binds)]
    }

    /// A write whose result the transaction does not read: held when it can be, else what to send now, in order.
    mutating func hold(_ sql: String, _ binds: [SQLValue]) -> [Statement] {
        let reading = Reading(sql)
        guard reading.holdable, let target = reading.target else { return self.send(sql, binds) }
        if self.admits(write: reading, bindCount: binds.count) {
            self.add(target, (sql, binds))
            return []
        }
        let out = self.drain()
        // A write too large for any group goes out on its own.
        guard binds.count <= Self.bindLimit else { return out + [(sql, binds)] }
        self.add(target, (sql, binds))
        return out
    }

    /// The writes still held, as one statement (before the commit). The group is empty afterwards.
    mutating func drain() -> [Statement] {
        guard !self.isEmpty else { return [] }
        defer { self = PostgresWriteGroup() }
        return [self.combined(leading: nil)]
    }

    /// Whether the holdable write `reading` can join the group (with `bindCount` more parameters).
    func admits(write reading: Reading, bindCount: Int) -> Bool {
        self.bindCount + bindCount <= Self.bindLimit && Set(reading.words).isDisjoint(with: self.changed)
    }

    /// Whether the statement `reading` can go out with the group in one statement.
    func admits(statement reading: Reading, bindCount: Int) -> Bool {
        reading.canLead && self.admits(write: reading, bindCount: bindCount)
    }

    private mutating func add(_ target: String, _ statement: Statement) {
        self.changed.insert(target)
        self.bindCount += statement.binds.count
        self.statements.append(statement)
    }

    /// One statement: the held writes, then `lead` (whose rows it returns) or nothing. Parameters are renumbered so
    /// that each part keeps its own.
    private func combined(leading lead: Statement?) -> Statement {
        if self.statements.count == 1, lead == nil { return self.statements[0] }
        var parts: [String] = []
        var binds: [SQLValue] = []
        for (index, held) in self.statements.enumerated() {
            parts.append("w\(index + 1) AS (\(Self.renumber(held.sql, by: binds.count)))")
            binds += held.binds
        }
        let tail = lead.map { Self.renumber($0.sql, by: binds.count) } ?? "SELECT 1 AS held"
        binds += lead?.binds ?? []
        return ("WITH " + parts.joined(separator: ", ") + " " + tail, binds)
    }

    // MARK: Reading SQL

    /// The identifiers and keywords of `sql`, lowercased, in order, outside string literals and quoted identifiers
    /// (a quoted identifier is kept as its text).
    static func words(_ sql: String) -> [String] {
        var words: [String] = []
        var current: [UInt8] = []
        var quote: UInt8?
        var quoted: [UInt8] = []
        func finish() {
            if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self).lowercased()) }
            current = []
        }
        for byte in sql.utf8 {
            if let open = quote {
                if byte == open {
                    if open == UInt8(ascii: "\"") { words.append(String(decoding: quoted, as: UTF8.self).lowercased()) }
                    quote = nil
                    quoted = []
                } else {
                    quoted.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                finish()
                quote = byte
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"), 0x80...0xFF:
                current.append(byte)
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "$"):
                // Part of a word when inside one (`t1`); a parameter (`$12`) or a number on its own is no word.
                if current.isEmpty { continue }
                current.append(byte)
            default:
                finish()
            }
        }
        finish()
        return words
    }

    /// `sql` with each parameter `$n` outside string literals and quoted identifiers made `$(n + offset)`.
    static func renumber(_ sql: String, by offset: Int) -> String {
        guard offset > 0 else { return sql }
        var out: [UInt8] = []
        out.reserveCapacity(sql.utf8.count + 16)
        var quote: UInt8?
        var digits: [UInt8]?
        var previous: UInt8 = 0
        func flushDigits() {
            guard let pending = digits else { return }
            digits = nil
            if let number = Int(String(decoding: pending, as: UTF8.self)) {
                out += Array("$\(number + offset)".utf8)
            } else {
                out.append(UInt8(ascii: "$"))
            }
        }
        for byte in sql.utf8 {
            if digits != nil {
                if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                    digits!.append(byte)
                    previous = byte
                    continue
                }
                flushDigits()
            }
            if let open = quote {
                out.append(byte)
                if byte == open { quote = nil }
                previous = byte
                continue
            }
            let inWord =
                (previous >= UInt8(ascii: "a") && previous <= UInt8(ascii: "z")) || (previous >= UInt8(ascii: "A") && previous <= UInt8(ascii: "Z"))
                || (previous >= UInt8(ascii: "0") && previous <= UInt8(ascii: "9")) || previous == UInt8(ascii: "_")
            if byte == UInt8(ascii: "$") && !inWord {
                digits = []
            } else {
                if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") { quote = byte }
                out.append(byte)
            }
            previous = byte
        }
        flushDigits()
        return String(decoding: out, as: UTF8.self)
    }
}
