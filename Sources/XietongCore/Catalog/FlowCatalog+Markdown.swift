import Foundation

extension FlowCatalog {
    /// The catalog as Markdown tables, one per flow, for `docs/flows.md` and `xietong catalog --markdown`.
    public var markdown: String {
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
        var output = "Catalog version \(self.catalogVersion) of \(self.standard): \(self.flows.count) flows, "
        output += "\(self.flows.map(\.messages.count).reduce(0, +)) message types.\n"
        for flow in self.flows {
            output += "\n### \(flow.clause) \(flow.zh) — `\(flow.id)`\n\n"
            output += "| Message | 中文 | From | To | Answers | Closes | Time limits (basis) |\n"
            output += "| --- | --- | --- | --- | --- | --- | --- |\n"
            for message in flow.messages {
                let limits = message.limits.map { limit in
                    let who = limit.party == .receiver ? "receiver" : "sender (from \(limit.start))"
                    var conditions: [String] = []
                    if let kinds = limit.receiverKinds { conditions.append("binds \(kinds.map(\.rawValue).joined(separator: ", ")) only") }
                    if let measures = limit.measureKinds { conditions.append("only with \(measures.joined(separator: " or "))") }
                    if let held = limit.inCustody { conditions.append(held ? "person in custody" : "person not in custody") }
                    if let procedures = limit.procedures { conditions.append("\(procedures.joined(separator: " or ")) procedure") }
                    if let longest = limit.longest {
                        conditions.append("at most \(longest) by approval" + (limit.beyond.map { ", further with \($0)" } ?? ""))
                    }
                    if limit.optional { conditions.append("optional: lapses, never overdue") }
                    let condition = conditions.isEmpty ? "" : " (\(conditions.joined(separator: "; ")))"
                    return "\(who): \(limit.text.en)\(condition) — \(limit.basis)\(limit.verified ? "" : " †")"
                }
                let name =
                    "`\(message.id)`\(message.implied ? " *(implied)*" : "")\(message.custodialSentence ? " *(offenders in custody)*" : "")"
                    + (message.maxPerInstance.map { " *(at most \($0) per instance: \(message.maxBasis ?? ""))*" } ?? "")
                output += "| \(name) | \(cell(message.zh)) | \(message.from.map(\.rawValue).joined(separator: ", ")) "
                output += "| \(message.to.map(\.rawValue).joined(separator: ", ")) "
                output += "| \(message.answers.isEmpty ? "—" : message.answers.map { "`\($0)`" }.joined(separator: ", ")) "
                output += "| \(message.closes == .flow ? "yes" : "no") "
                output +=
                    "| \(cell(limits.isEmpty ? "none set" : limits.joined(separator: "<br>")))\(message.notes.map { "<br>*\(cell($0))*" } ?? "") |\n"
            }
        }
        output += "\n### ZJ-7.1.3.1 interface process kinds\n\n| Kind | 中文 | Flows | Basis |\n| --- | --- | --- | --- |\n"
        for kind in self.interfaceProcessKinds {
            let flows = kind.flows.isEmpty ? "reserved (GS-4)" : kind.flows.map { "`\($0)`" }.joined(separator: ", ")
            output += "| `\(kind.id)` | \(kind.zh) | \(flows) | \(cell(kind.basis)) |\n"
        }
        return output
    }
}
