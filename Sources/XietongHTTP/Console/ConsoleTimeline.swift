import Foundation
public import XietongCore

/// A case's timeline as a page section (GUI-3, SZ-4): every flow, every message with its hops and time limits, and
/// each detainee's custody chain. Shared by the agencies' and the committee's consoles.
public enum ConsoleTimeline {
    /// Provisional, custody, and what moved the due date (issue 20), for a limit's cell.
    static func notes(_ deadline: CaseTimeline.DeadlineView, _ language: ConsoleLanguage) -> String {
        var notes = ""
        if deadline.late { notes += " <span class=\"badge red\">\(ConsoleHTML.t(language, "逾期办理", "met late"))</span>" }
        if deadline.provisional {
            let years = deadline.uncoveredYears.map(String.init).joined(separator: ", ")
            notes +=
                " <span class=\"badge amber\" title=\"\(ConsoleHTML.t(language, "未载入 \(years) 年节假日安排", "no holiday calendar for \(years) is loaded"))\">"
                + "\(ConsoleHTML.t(language, "暂定", "provisional"))</span>"
        }
        if let message = deadline.senderMessage {
            let send = ConsoleHTML.t(language, "发送方期限：发送“\(message.zh)”", "the sender's own limit: send '\(message.en)'")
            notes += "<br><small>\(send)</small>"
        }
        if let reason = deadline.custodyReason {
            notes += "<br><small>\(ConsoleHTML.escape(language.pick(reason.zh, reason.en)))</small>"
        }
        if let changed = deadline.changedFrom {
            let why = deadline.changeReason.map { "：" + language.pick($0.zh, $0.en) } ?? ""
            notes += "<br><small>\(ConsoleHTML.t(language, "原届满日 \(changed)", "was due \(changed)"))\(ConsoleHTML.escape(why))</small>"
        }
        return notes
    }

    /// A limit as `7 days`, `1 months`, `0 immediately`, in the page's language.
    static func limit(_ text: String, _ language: ConsoleLanguage) -> String {
        guard language == .zh else { return text }
        let parts = text.split(separator: " ")
        guard parts.count == 2 else { return text }
        switch parts[1] {
        case "days": return "\(parts[0]) 日"
        case "months": return "\(parts[0]) 个月"
        case "hours": return "\(parts[0]) 小时"
        case "workingDays": return "\(parts[0]) 个工作日"
        case "immediately": return "立即"
        default: return text
        }
    }

    public static func html(_ timeline: CaseTimeline, language: ConsoleLanguage, name: (String) -> String) -> String {
        var out =
            "<p id=\"case-codes\">\(ConsoleHTML.t(language, "统一赋码", "Unified codes")): <span class=\"mono\">\(ConsoleHTML.escape(timeline.caseCodes.joined(separator: ", ")))</span></p><div id=\"timeline\">"
        for instance in timeline.instances {
            let state =
                instance.closedAt.map { ConsoleHTML.t(language, "已办结 \($0.prefix(10))", "closed \($0.prefix(10))") }
                ?? "<strong>\(ConsoleHTML.t(language, "办理中", "open"))</strong>"
            out += "<h2>\(ConsoleHTML.escape(language.pick(instance.flowName.zh, instance.flowName.en))) · \(state)</h2>"
            var rows: [[String]] = []
            for step in instance.steps {
                let hop = step.hops.last.map { ConsoleHTML.escape(language.pick($0.hop.name.zh, $0.hop.name.en)) } ?? ""
                let limits = step.deadlines.map { deadline -> String in
                    let state: String =
                        switch deadline.state {
                        case "met": ConsoleHTML.t(language, "已办理", "met")
                        case "overdue": "<span class=\"badge red\">\(ConsoleHTML.t(language, "已超期", "overdue"))</span>"
                        case "lapsed": ConsoleHTML.t(language, "未行使", "lapsed")
                        default: ConsoleHTML.t(language, "待办理", "open")
                        }
                    return
                        "\(ConsoleHTML.escape(name(deadline.responsible))) ≤ \(ConsoleHTML.escape(deadline.dueOn)) (\(ConsoleHTML.escape(Self.limit(deadline.limit, language)))) \(state)"
                        + Self.notes(deadline, language)
                }.joined(separator: "<br>")
                rows.append([
                    ConsoleHTML.escape(String(step.at.prefix(19)).replacingOccurrences(of: "T", with: " ")),
                    "\(ConsoleHTML.escape(name(step.sender))) → \(ConsoleHTML.escape(name(step.receiver)))",
                    ConsoleHTML.escape(language.pick(step.messageName.zh, step.messageName.en)),
                    hop,
                    limits,
                ])
            }
            out += ConsoleHTML.table(
                [
                    ConsoleHTML.t(language, "时间", "Time"), ConsoleHTML.t(language, "机关", "Agencies"), ConsoleHTML.t(language, "消息", "Message"),
                    ConsoleHTML.t(language, "状态", "Status"), ConsoleHTML.t(language, "法定期限", "Time limits"),
                ],
                rows,
                empty: ""
            )
        }
        if !timeline.custody.isEmpty {
            out += "<h2>\(ConsoleHTML.t(language, "羁押（换押）", "Custody across stages"))</h2>"
            out += ConsoleHTML.table(
                [
                    ConsoleHTML.t(language, "人员", "Person"), ConsoleHTML.t(language, "现由", "Held by"),
                    ConsoleHTML.t(language, "羁押期限至", "Period ends"), ConsoleHTML.t(language, "剩余天数", "Days left"),
                ],
                timeline.custody.map {
                    [
                        ConsoleHTML.escape($0.name), ConsoleHTML.escape($0.holder.map(name) ?? ""), ConsoleHTML.escape($0.periodEndsOn ?? ""),
                        $0.daysLeft.map { $0 < 0 ? "<span class=\"badge red\">\($0)</span>" : String($0) } ?? "",
                    ]
                },
                empty: ""
            )
        }
        return out + "</div>"
    }
}

/// The consoles' little script: live updates over the node's WebSocket (hops and reminders refresh the badges and
/// lists); pages work without it.
public enum ConsoleScript {
    public static let node = """
        (function () {
          if (!window.WebSocket) return;
          var scheme = location.protocol === "https:" ? "wss://" : "ws://";
          var socket = new WebSocket(scheme + location.host + "/console/events");
          var timer = null;
          socket.onmessage = function (message) {
            var hops = document.getElementById("hops");
            var here = location.pathname.split("/")[3] || "";
            if (hops && message.data.indexOf(here) < 0) return;
            if (document.activeElement && document.activeElement.tagName === "INPUT") return;
            if (timer) return;
            timer = setTimeout(function () {
              timer = null;
              fetch("/console/live", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (unread) {
                var tiles = document.querySelectorAll("#counters .tile");
                var known = {};
                tiles.forEach(function (tile) {
                  var flow = tile.getAttribute("data-flow");
                  known[flow] = true;
                  var badge = tile.querySelector(".red-count");
                  if (!badge) return;
                  var n = unread[flow] || 0;
                  badge.textContent = n;
                  badge.className = "badge " + (n > 0 ? "red" : "zero") + " red-count";
                });
                var fresh = Object.keys(unread).some(function (flow) { return !known[flow]; });
                if (hops || fresh || document.getElementById("incoming")) location.reload();
              });
            }, 300);
          };
        })();
        """
}
