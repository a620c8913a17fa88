import Foundation
import Hummingbird
import XietongCore
import XietongHTTP
import XietongStore

// The console's dashboard (GS-3, GS-6, SZ-7): charts of the last 90 and 14 days, and the alerts of the last 24 hours.
extension HubConsole {
    func dashboard(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        let today = self.store.clock.today
        let statistics = try await self.store.statistics(from: today.adding(days: -90), to: today.adding(days: 1))
        var byFlow: [String: Int] = [:]
        var byAgency: [String: Int] = [:]
        for row in statistics.volume {
            byFlow[row.flow, default: 0] += row.packages
            byAgency[row.organisation, default: 0] += row.packages
        }
        let daily = try await self.store.dailyVolume(from: today.adding(days: -13), to: today)
        let handling = statistics.handling.sorted { $0.medianHours > $1.medianHours }.prefix(8)
        let custody = try await self.store.custodyWatch(within: 7)
        let dayAgo = Timestamp.string(self.store.clock.now().addingTimeInterval(-86400))
        let alerts = try await self.store.alerts().filter { $0.raisedAt >= dayAgo }
        let refusals = try await self.store.refusals(limit: 1000).filter { $0.receipt.receivedAt >= dayAgo }
        let custodyExchanges = byFlow["custodyTransfer"] ?? 0
        let l = { (zh: String, en: String) in language.pick(zh, en) }
        let charts = [
            SVGChart.bars(
                title: l("各业务数据包数（近 90 天）", "Packages per business (90 days)"),
                unit: "",
                byFlow.sorted { $0.value > $1.value }.prefix(10).map { (self.flowName($0.key, language), Double($0.value)) },
                id: "chart-volume-flow"
            ),
            SVGChart.bars(
                title: l("各机关发送数据包数", "Packages sent per agency"),
                unit: "",
                byAgency.sorted { $0.value > $1.value }.prefix(10).map { (self.orgName($0.key, language), Double($0.value)) },
                id: "chart-volume-agency"
            ),
            SVGChart.line(
                title: l("每日数据包数（近 14 天）", "Packages per day (14 days)"),
                zip(daily.days, daily.total).map { (String($0.0.suffix(5)), Double($0.1)) },
                id: "chart-daily"
            ),
            SVGChart.lines(
                title: l("各机关每日发送数（近 14 天）", "Packages per agency per day (14 days)"),
                labels: daily.days.map { String($0.suffix(5)) },
                series: daily.byAgency.sorted { $0.key < $1.key }.map { (self.orgName($0.key, language), $0.value.map(Double.init)) },
                id: "chart-daily-agency"
            ),
            SVGChart.lines(
                title: l("各业务每日数据包数（近 14 天）", "Packages per business per day (14 days)"),
                labels: daily.days.map { String($0.suffix(5)) },
                series: daily.byFlow.sorted { $0.value.reduce(0, +) > $1.value.reduce(0, +) }.prefix(8).map {
                    (self.flowName($0.key, language), $0.value.map(Double.init))
                },
                id: "chart-daily-flow"
            ),
            SVGChart.bars(
                title: l("各环节办理时长中位数（小时）", "Median handling time per stage (hours)"),
                unit: l("小时", "h"),
                handling.map { (self.messageName($0.flow, $0.messageType, language), $0.medianHours) },
                id: "chart-handling"
            ),
            SVGChart.ring(
                title: l("超期率", "Overdue rate"),
                rate: statistics.overdueRate,
                caption: l(
                    "\(statistics.dutiesOverdue)/\(statistics.dutiesDue) 项期限超期",
                    "\(statistics.dutiesOverdue) of \(statistics.dutiesDue) limits overdue"
                ),
                id: "chart-overdue",
                good: statistics.overdueRate < 0.05
            ),
            SVGChart.ring(
                title: l("网上流转率", "Online flow rate"),
                rate: statistics.onlineFlowRate,
                caption: l(
                    "\(statistics.flowsClosedOnline)/\(statistics.flowsOpened) 个流程网上办结",
                    "\(statistics.flowsClosedOnline) of \(statistics.flowsOpened) flows closed online"
                ),
                id: "chart-online",
                good: true
            ),
            SVGChart.bars(
                title: l("数字换押", "Digital custody exchange"),
                unit: "",
                [(l("换押数据包", "Custody packages"), Double(custodyExchanges)), (l("羁押期限预警", "Custody warnings"), Double(custody.count))],
                id: "chart-custody"
            ),
            SVGChart.bars(
                title: l("近 24 小时告警与退回", "Alerts and refusals, last 24 hours"),
                unit: "",
                [(l("超时告警", "Overdue alerts"), Double(alerts.count)), (l("拒收数据包", "Refused packages"), Double(refusals.count))],
                id: "chart-alerts"
            ),
        ]
        var body = "<div class=\"charts\" id=\"charts\">" + charts.map { "<div class=\"chart\">\($0)</div>" }.joined() + "</div>"
        body += Self.csvLink("/v1/statistics?format=csv&table=volume", language)
        body += "<h2>\(ConsoleHTML.t(language, "近 24 小时告警", "Alerts of the last 24 hours"))</h2>"
        body += ConsoleHTML.table(
            [ConsoleHTML.t(language, "时间", "Time"), ConsoleHTML.t(language, "数据包", "Package"), ConsoleHTML.t(language, "滞留环节", "Stuck after")],
            alerts.prefix(20).map {
                [
                    ConsoleHTML.time($0.raisedAt), "<span class=\"mono\">\(ConsoleHTML.escape($0.packageId))</span>",
                    ConsoleHTML.escape(Self.hopName($0.stuckAfter, language)),
                ]
            },
            empty: ConsoleHTML.t(language, "无", "None")
        )
        return self.render(request, session, title: ("统计看板", "Dashboard"), body: body)
    }
}
