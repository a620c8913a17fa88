import Testing
import XietongCore

/// The exchange database's contract (issue 24): its layout, what counts as a major change of it (ZJ-7.1.2.3 e), and
/// when an increment is broken (ZJ-7.1.2.3 d).
@Suite struct ExchangeDatabaseRulesTests {
    typealias Layout = ExchangeDatabaseLayout

    static func asFound(_ tables: [Layout.Table] = Layout.tables) -> [String: Layout.FoundTable] {
        Dictionary(
            uniqueKeysWithValues: tables.map { table in
                (
                    table.name,
                    Layout.FoundTable(
                        columns: Dictionary(uniqueKeysWithValues: table.columns.map { ($0.name, $0.type) }),
                        primaryKey: Set(table.primaryKey)
                    )
                )
            }
        )
    }

    @Test func theLayoutIsWellFormed() {
        #expect(Set(Layout.tables.map(\.name)).count == Layout.tables.count)
        for table in Layout.tables {
            let names = table.columns.map(\.name)
            #expect(Set(names).count == names.count, "\(table.name)")
            #expect(!table.primaryKey.isEmpty && table.primaryKey.allSatisfy(names.contains), "\(table.name)")
            #expect(table.primaryKey.allSatisfy { key in table.columns.first { $0.name == key }?.nullable == false })
            #expect(table.indexes.allSatisfy { $0.allSatisfy(names.contains) })
        }
        // The business system writes only the outbound rows and files; the node writes the rest.
        #expect(Layout.tables.filter { $0.writer == .businessSystem }.map(\.name) == [Layout.outbound, Layout.outboundAttachments])
    }

    @Test func matchingTablesAndAddedColumnsAreNoChange() {
        var found = Self.asFound()
        found[Layout.outbound]?.columns["vendor_flag"] = .integer
        found["vendor_table"] = Layout.FoundTable(columns: ["x": .text], primaryKey: ["x"])
        #expect(ExchangeSchemaChange.changes(found: { found[$0] }).isEmpty)
    }

    @Test func aDroppedTableColumnOrARetypedColumnIsAChangeNamedWithItsDirection() {
        var found = Self.asFound()
        found[Layout.outbound]?.columns["package_xml"] = nil
        found[Layout.inboundCases]?.columns["filed_on"] = .integer
        found[Layout.outboundHops] = nil
        let changes = ExchangeSchemaChange.changes(found: { found[$0] })
        #expect(changes.count == 3)
        let dropped = changes.first { $0.kind == .missingColumn }
        #expect(dropped?.table == Layout.outbound && dropped?.column == "package_xml" && dropped?.direction == .outbound)
        #expect(dropped?.text.en == "the column xt_outbound.package_xml was dropped or renamed")
        #expect(dropped?.text.zh == "表 xt_outbound 缺少列 package_xml")
        let retyped = changes.first { $0.column == "filed_on" }
        #expect(retyped?.kind == .retyped(expected: .text, found: .integer) && retyped?.direction == .inbound)
        #expect(retyped?.text.en.contains("retyped from text to integer") == true)
        #expect(changes.contains { $0.kind == .missingTable && $0.table == Layout.outboundHops })
    }

    /// Writing each package exactly once relies on the primary keys (ON CONFLICT): a key moved or dropped is a change.
    @Test func aPrimaryKeyMovedOrDroppedIsAChange() {
        var found = Self.asFound()
        found[Layout.inbound]?.primaryKey = []
        found[Layout.outbound]?.primaryKey = ["row_key", "change_seq"]
        let changes = ExchangeSchemaChange.changes(found: { found[$0] })
        #expect(
            changes.map(\.kind) == [
                .primaryKeyChanged(expected: ["row_key"], found: ["change_seq", "row_key"]),
                .primaryKeyChanged(expected: ["package_id"], found: []),
            ]
        )
        #expect(changes.last?.text.en == "the primary key of xt_inbound changed from (package_id) to ()")
        #expect(changes.first?.direction == .outbound && changes.last?.direction == .inbound)
    }

    @Test func anIncrementInOrderIsNotBroken() {
        #expect(IncrementCheck.judge(watermark: nil, tableMax: 50, rowsAtOrBelow: 0, expectedAtOrBelow: nil) == .inOrder)
        #expect(IncrementCheck.judge(watermark: 30, tableMax: 50, rowsAtOrBelow: 3, expectedAtOrBelow: 3) == .inOrder)
        // Rows updated above the watermark, or deleted below it, leave fewer at or below: nothing was missed.
        #expect(IncrementCheck.judge(watermark: 30, tableMax: 50, rowsAtOrBelow: 2, expectedAtOrBelow: 3) == .inOrder)
        #expect(IncrementCheck.judge(watermark: 30, tableMax: 30, rowsAtOrBelow: 3, expectedAtOrBelow: 3) == .inOrder)
    }

    @Test func rowsBelowTheWatermarkOrAColumnGoingBackwardsAreABrokenIncrement() {
        #expect(IncrementCheck.judge(watermark: 30, tableMax: 50, rowsAtOrBelow: 5, expectedAtOrBelow: 3) == .lateRows(2))
        #expect(IncrementCheck.judge(watermark: 30, tableMax: 2, rowsAtOrBelow: 2, expectedAtOrBelow: 3) == .wentBackwards(tableMax: 2))
        // Every row gone (an empty copy restored): new rows may start anywhere.
        #expect(IncrementCheck.judge(watermark: 30, tableMax: nil, rowsAtOrBelow: 0, expectedAtOrBelow: 3) == .wentBackwards(tableMax: nil))
        #expect(IncrementCheck.lateRows(2).text.en.contains("2 new rows at or below the watermark"))
        #expect(IncrementCheck.wentBackwards(tableMax: 2).text.zh.contains("变更序号回退"))
    }
}
