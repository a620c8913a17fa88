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

    /// A limit as the hub keeps it (`7 days`, `10 workingDays`, `0 immediately`) in the page's language: `7日`,
    /// `10 working days`, `立即`. Plain text.
    public static func limit(_ text: String, _ language: ConsoleLanguage) -> String {
        TimeLimit.text(stored: text).map { language.pick($0.zh, $0.en) } ?? text
    }

    /// A limit's legal basis in the page's language: on a Chinese page its citations without the catalog's English
    /// glosses; on an English page as written (the laws have no English names in the catalog). Plain text.
    public static func basis(_ text: String, _ language: ConsoleLanguage) -> String {
        language == .zh ? TimeLimit.citation(text) : text
    }

    /// What a hop's detail says, in the page's language (issue 22), or nil when it says nothing. The detail is
    /// recorded once, in the evidence log, as data: the content's hash, the unified code with ` (assigned)`, the
    /// receiver's organisation code, who refused, the hop a package is stuck after. Here it is read and named. A
    /// returned package's reason and an officer's name are shown as written. HTML, escaped.
    public static func hopDetail(_ event: PackageEvent, _ language: ConsoleLanguage, name: (String) -> String) -> String? {
        guard let detail = event.detail, !detail.isEmpty else { return nil }
        switch event.hop {
        case .receivedByHub, .receivedByPeerHub:
            guard let hash = Evidence.contentSHA256(of: event) else { break }
            return "SHA-256 <span class=\"mono\">\(ConsoleHTML.escape(hash))</span>"
        case .coded:
            let assigned = detail.hasSuffix(Self.assignedSuffix)
            let code = assigned ? String(detail.dropLast(Self.assignedSuffix.count)) : detail
            return "<span class=\"mono\">\(ConsoleHTML.escape(code))</span>"
                + (assigned ? ConsoleHTML.t(language, "（由中心平台赋码）", " (assigned by the hub)") : "")
        case .forwarded, .forwardedByPeerHub:
            return ConsoleHTML.t(language, "至", "to ") + ConsoleHTML.escape(name(detail))
        case .refused:
            let by: String =
                switch detail {
                case "hub": ConsoleHTML.t(language, "中心平台拒收", "by the hub")
                case "receiver": ConsoleHTML.t(language, "接收节点拒收", "by the receiving node")
                default: ConsoleHTML.escape(detail)
                }
            let findings = (event.findings ?? []).map { ConsoleHTML.escape(language.pick($0.message.zh, $0.message.en)) }
            return ([by] + findings).joined(separator: language == .zh ? "；" : "; ")
        case .alerted:
            return ConsoleHTML.escape(Self.stuck(detail, language))
        default:
            break
        }
        return ConsoleHTML.escape(detail)
    }

    /// What the hub adds to a `coded` hop's unified code when it assigned the code itself.
    static let assignedSuffix = " (assigned)"

    /// An alert's detail, `stuck after forwarded, waiting for storedByReceiver / 停留在……`, in the page's language: the
    /// hops named; a detail of another form in its part for the language (`English / 中文`), else as written.
    static func stuck(_ detail: String, _ language: ConsoleLanguage) -> String {
        let halves = detail.components(separatedBy: " / ")
        let english = halves[0]
        let prefix = "stuck after "
        if english.hasPrefix(prefix) {
            let hops = english.dropFirst(prefix.count).components(separatedBy: ", waiting for ")
            if hops.count == 2, let after = Hop(rawValue: hops[0]), let waiting = Hop(rawValue: hops[1]) {
                return language.pick(
                    "停留在“\(after.name.zh)”之后，等待“\(waiting.name.zh)”",
                    "stuck after '\(after.name.en)', waiting for '\(waiting.name.en)'"
                )
            }
        }
        guard halves.count == 2 else { return detail }
        return language.pick(halves[1], halves[0])
    }

    public static func html(_ timeline: CaseTimeline, language: ConsoleLanguage, name: (String) -> String) -> String {
        var out =
            "<p id=\"case-codes\">\(ConsoleHTML.t(language, "统一赋码", "Unified codes")): <span class=\"mono\">\(ConsoleHTML.escape(timeline.caseCodes.joined(separator: ", ")))</span></p><div id=\"timeline\">"
        for instance in timeline.instances {
            let state =
                instance.closedAt.map { ConsoleHTML.t(language, "已办结", "closed") + " " + ConsoleHTML.day($0) }
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
                    ConsoleHTML.time(step.at),
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
