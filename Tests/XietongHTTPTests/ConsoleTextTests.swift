import Foundation
import Testing
import XietongCore
import XietongHTTP

/// What officers read on the consoles (issue 22, item 7): every time in China time with its zone, limits and their
/// basis in the page's language, and a hop's detail named rather than coded.
@Suite struct ConsoleTextTests {
    @Test func timesAreShownInChinaTimeWithTheirZone() throws {
        // 01:10:57 UTC is 09:10:57 in China, the same day; 17:30 UTC is 01:30 the next day.
        #expect(ConsoleHTML.chinaTime(try #require(Timestamp.date("2026-12-02T01:10:57.674728Z"))) == "2026-12-02 09:10:57 UTC+8")
        #expect(ConsoleHTML.chinaTime(try #require(Timestamp.date("2026-11-21T17:30:00.000000Z"))) == "2026-11-22 01:30:00 UTC+8")
        #expect(
            ConsoleHTML.time("2026-12-02T01:10:57.674728Z")
                == "<time datetime=\"2026-12-02T01:10:57.674728Z\">2026-12-02 09:10:57 UTC+8</time>"
        )
        #expect(ConsoleHTML.day("2026-11-21T17:30:00.000000Z") == "<time datetime=\"2026-11-21T17:30:00.000000Z\">2026-11-22</time>")
        // Text that is no timestamp is shown as it is.
        #expect(ConsoleHTML.time("—") == "—")
    }

    @Test func limitsAndTheirBasisAreInThePagesLanguage() {
        #expect(ConsoleTimeline.limit("7 days", .zh) == "7日")
        #expect(ConsoleTimeline.limit("10 workingDays", .en) == "10 working days")
        let basis = "刑事诉讼法第172条第1款 (decide within 1 month, +15 days if major or complex); 人民检察院刑事诉讼规则第351条"
        #expect(ConsoleTimeline.basis(basis, .zh) == "刑事诉讼法第172条第1款；人民检察院刑事诉讼规则第351条")
        #expect(ConsoleTimeline.basis(basis, .en) == basis)
    }

    @Test func aHopsDetailIsNamedNotCoded() {
        let names = ["330106000201": (zh: "杭州市西湖区人民检察院", en: "Xihu District People's Procuratorate")]
        func detail(_ hop: Hop, _ text: String, _ language: ConsoleLanguage) -> String? {
            let event = PackageEvent(packageId: "p", hop: hop, at: "2026-12-02T01:10:57.674728Z", organisation: "330100000001", detail: text)
            return ConsoleTimeline.hopDetail(event, language, name: { code in names[code].map { language.pick($0.zh, $0.en) } ?? code })
        }
        #expect(detail(.forwarded, "330106000201", .zh) == "至杭州市西湖区人民检察院")
        #expect(detail(.forwarded, "330106000201", .en) == "to Xihu District People&#39;s Procuratorate")
        let code = "20261120130133010600030100000001"
        #expect(detail(.coded, "\(code) (assigned)", .zh) == "<span class=\"mono\">\(code)</span>（由中心平台赋码）")
        #expect(detail(.coded, code, .en) == "<span class=\"mono\">\(code)</span>")
        #expect(detail(.refused, "hub", .zh) == "中心平台拒收")
        #expect(
            detail(.alerted, "stuck after forwarded, waiting for storedByReceiver / 停留在“已转发”之后，等待“接收节点已入库”", .zh)
                == "停留在“已转发”之后，等待“接收节点已入库”"
        )
        #expect(detail(.signedFor, "jcy-clerk", .zh) == "jcy-clerk")
    }

    @Test func typedLiteralsInATextAreSetAsCode() {
        #expect(
            ConsoleHTML.escape("配置项 calendar，xietong calendar check 检查", code: ["xietong calendar check", "calendar"])
                == "配置项 <code>calendar</code>，<code>xietong calendar check</code> 检查"
        )
    }
}
