import Foundation
import Hummingbird
import XietongCore
import XietongHTTP

// The pooled search page (issue 26, GS-5): one box for anything (an ID number, a name, a code, words), the exact
// fields, and the filters; the cases found, ranked, each with what matched, linked to its timeline. The search is
// `SearchController`'s, logged the same way as the API's; opening a case logs its timeline's read.
extension HubConsole {
    func search(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        let parameters = ConsoleForm.query(request)
        func value(_ name: String) -> String { parameters[name] ?? "" }
        var body = self.searchForm(value, language)
        // An empty form is the page's first view, not a refused search.
        if CaseSearch.Query.parameters.contains(where: { !value($0).trimmingCharacters(in: .whitespaces).isEmpty }) {
            do {
                let page = try await self.searcher.search(
                    { parameters[$0] },
                    asked: request.uri.query ?? "",
                    caller: Caller(session: session.principal)
                )
                body += self.searchResults(page, value, language)
            } catch let error as APIError {
                body +=
                    "<p class=\"error\" id=\"search-error\">\(ConsoleHTML.escape(language.pick(error.message.zh, error.message.en)))"
                    + " <code>\(ConsoleHTML.escape(error.code.rawValue))</code></p>"
            }
        }
        return self.render(request, session, title: ("案件检索", "Case search"), body: body)
    }

    func searchForm(_ value: (String) -> String, _ language: ConsoleLanguage) -> String {
        func field(_ name: String, _ zh: String, _ en: String, width: Int = 160) -> String {
            "<label>\(ConsoleHTML.t(language, zh, en)) <input type=\"text\" name=\"\(name)\" value=\"\(ConsoleHTML.escape(value(name)))\" style=\"width:\(width)px\"></label> "
        }
        func options(_ name: String, _ all: (String, String), _ choices: [(String, String)]) -> String {
            "<select name=\"\(name)\"><option value=\"\">\(ConsoleHTML.t(language, all.0, all.1))</option>"
                + choices.map { code, label in
                    "<option value=\"\(ConsoleHTML.escape(code))\"\(value(name) == code ? " selected" : "")>\(ConsoleHTML.escape(label))</option>"
                }.joined() + "</select> "
        }
        let agencies = self.registry.organisations.map { ($0.code, self.orgName($0.code, language)) }
        let flows = self.catalog.flows.map { ($0.id, language.pick($0.zh, $0.en)) }
        let states = [("open", language.pick("办理中", "open")), ("closed", language.pick("已办结", "closed"))]
        return """
            <form method="get" action="/console/search" id="search-form">
            <p>\(field("q", "检索", "Search", width: 320))<input type="submit" value="\(ConsoleHTML.t(language, "检索", "Search"))"></p>
            <p>\(field("idNumber", "身份证号", "ID number"))\(field("name", "姓名", "Name", width: 100))\(field("charge", "罪名", "Charge", width: 100))\
            \(field("caseCode", "统一赋码", "Unified code", width: 260))\(field("agencyCaseNumber", "机关案号", "Agency case number"))</p>
            <p>\(options("organisation", ("全部机关", "All agencies"), agencies))\(options("flow", ("全部业务", "All businesses"), flows))\
            \(options("state", ("全部状态", "Any state"), states))\
            <label>\(ConsoleHTML.t(language, "接收日期", "Received")) <input type="date" name="from" value="\(ConsoleHTML.escape(value("from")))"></label> –
            <input type="date" name="to" value="\(ConsoleHTML.escape(value("to")))"></p>
            </form>
            """
    }

    func searchResults(_ page: CaseSearch.Page, _ value: (String) -> String, _ language: ConsoleLanguage) -> String {
        var html = "<p class=\"notice\" id=\"search-notice\">\(ConsoleHTML.escape(language.pick(page.notice.zh, page.notice.en)))</p>"
        html +=
            "<p id=\"search-total\">"
            + ConsoleHTML.t(language, "共找到 \(page.total) 件案件", "\(page.total) cases found")
            + (page.truncated
                ? "；"
                    + ConsoleHTML.t(
                        language,
                        "匹配的数据包过多，仅列出最新的 \(CaseSearch.candidateLimit) 个所属案件，请缩小范围",
                        "too many packages matched: the newest \(CaseSearch.candidateLimit) were used; narrow the search"
                    )
                : "")
            + (page.textSkipped
                ? "；" + ConsoleHTML.t(language, "检索词不足三个字，未检索案件文字", "fewer than three characters: the cases' text was not searched")
                : "")
            + "</p>"
        html += ConsoleHTML.table(
            [
                ConsoleHTML.t(language, "案件", "Case"), ConsoleHTML.t(language, "人员", "Persons"), ConsoleHTML.t(language, "罪名", "Charges"),
                ConsoleHTML.t(language, "机关", "Agencies"), ConsoleHTML.t(language, "业务", "Businesses"),
                ConsoleHTML.t(language, "最近接收", "Latest"), ConsoleHTML.t(language, "匹配项", "Matched"),
            ],
            page.hits.map { hit in
                [
                    "<a href=\"/console/cases/\(ConsoleHTML.escape(hit.caseCode))\" class=\"mono\">\(ConsoleHTML.escape(hit.caseCode))</a><br>"
                        + ConsoleHTML.escape((hit.caseNames + hit.agencyCaseNumbers).joined(separator: " · ")),
                    hit.persons.map { person in
                        ConsoleHTML.escape(person.name) + (person.idNumber.map { " <span class=\"mono\">\(ConsoleHTML.escape($0))</span>" } ?? "")
                    }.joined(separator: "<br>"),
                    ConsoleHTML.escape(hit.charges.joined(separator: "、")),
                    hit.organisations.map { ConsoleHTML.escape(self.orgName($0, language)) }.joined(separator: "<br>"),
                    hit.flows.map { ConsoleHTML.escape(self.flowName($0, language)) }.joined(separator: "<br>"),
                    ConsoleHTML.time(hit.latestAt),
                    hit.matched.map { "<span class=\"badge info\">\(ConsoleHTML.escape(language.pick($0.name.zh, $0.name.en)))</span>" }.joined(
                        separator: " "
                    ),
                ]
            },
            id: "search-results",
            empty: ConsoleHTML.t(language, "没有找到案件", "No case found")
        )
        if page.total > page.page * page.pageSize || page.page > 1 {
            func link(_ number: Int, _ zh: String, _ en: String) -> String {
                let query = CaseSearch.Query.parameters.filter { $0 != "page" && !value($0).isEmpty }
                    .map {
                        "\($0)=\(value($0).addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))) ?? "")"
                    }
                return
                    "<a href=\"/console/search?\(ConsoleHTML.escape((query + ["page=\(number)"]).joined(separator: "&")))\">\(ConsoleHTML.t(language, zh, en))</a>"
            }
            html +=
                "<p class=\"pages\">"
                + (page.page > 1 ? link(page.page - 1, "上一页", "Previous") + " " : "")
                + ConsoleHTML.t(language, "第 \(page.page) 页", "page \(page.page)")
                + (page.total > page.page * page.pageSize ? " " + link(page.page + 1, "下一页", "Next") : "")
                + "</p>"
        }
        return html
    }
}
