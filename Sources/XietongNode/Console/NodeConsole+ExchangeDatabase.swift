import Hummingbird
import XietongCore
import XietongHTTP
import XietongStore

// The exchange database connector's page (issue 24): its state, how far intake is behind, and its alarms, for the
// agency's administrators.
extension NodeConsole {
    func exchangeDatabase(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        let snapshot = self.engine.exchange.snapshot
        guard snapshot.state != .off else {
            let body =
                "<p class=\"empty\" id=\"exchange-off\">\(ConsoleHTML.t(language, "本节点未配置中间库（exchangeDatabase）", "No exchange database is configured for this node (exchangeDatabase)"))</p>"
            return self.render(request, session, title: ("中间库", "Exchange database"), body: body)
        }
        let state: (String, String) =
            switch snapshot.state {
            case .off: ("未配置", "off")
            case .connecting: ("连接中", "connecting")
            case .running: ("运行中", "running")
            case .stopped: ("已停止", "stopped")
            }
        let stopped = [
            snapshot.outboundStopped ? ConsoleHTML.t(language, "发送", "intake") : nil,
            snapshot.inboundStopped ? ConsoleHTML.t(language, "投递", "delivery") : nil,
        ]
        .compactMap { $0 }
        var body = """
            <table id="exchange"><tbody>
            <tr><th>\(ConsoleHTML.t(language, "状态", "State"))</th><td id="exchange-state" class="\(snapshot.state == .running ? "ok" : "warn")">\(ConsoleHTML.t(language, state.0, state.1))\(stopped.isEmpty ? "" : " · " + ConsoleHTML.t(language, "已停止：", "stopped: ") + stopped.joined(separator: ", "))</td></tr>
            <tr><th>\(ConsoleHTML.t(language, "数据库", "Database"))</th><td class="mono">\(ConsoleHTML.escape(snapshot.database ?? ""))</td></tr>
            <tr><th>\(ConsoleHTML.t(language, "待读取行数", "Rows not read yet"))</th><td id="exchange-lag">\(snapshot.lag)</td></tr>
            <tr><th>\(ConsoleHTML.t(language, "水位线", "Watermark"))</th><td class="mono">\(snapshot.watermark.map { "change_seq \($0.changeSeq) · row_key \(ConsoleHTML.escape($0.rowKey))" } ?? "—")</td></tr>
            <tr><th>\(ConsoleHTML.t(language, "最近读取", "Last read"))</th><td>\(snapshot.lastReadAt.map(ConsoleHTML.time) ?? "—")</td></tr>
            </tbody></table>
            """
        if !snapshot.problems.isEmpty {
            body +=
                "<ul class=\"warn\" id=\"exchange-problems\">"
                + snapshot.problems.map { "<li>\(ConsoleHTML.escape(language.pick($0.zh, $0.en)))</li>" }.joined() + "</ul>"
        }
        let alarms = try await self.engine.store.exchangeAlarms(limit: 50)
        body += "<h2>\(ConsoleHTML.t(language, "告警", "Alarms"))</h2>"
        body += ConsoleHTML.table(
            [ConsoleHTML.t(language, "时间", "Time"), ConsoleHTML.t(language, "类别", "Kind"), ConsoleHTML.t(language, "说明", "Detail")],
            alarms.map { alarm in
                [
                    ConsoleHTML.time(alarm.at), ConsoleHTML.escape(alarm.kind.rawValue),
                    ConsoleHTML.escape(language.pick(alarm.detail.zh, alarm.detail.en)),
                ]
            },
            id: "exchange-alarms",
            empty: ConsoleHTML.t(language, "暂无", "None")
        )
        return self.render(request, session, title: ("中间库", "Exchange database"), body: body)
    }
}
