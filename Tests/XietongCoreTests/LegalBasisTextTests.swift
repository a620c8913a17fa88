import Testing
import XietongCore

/// A time limit as a page in Chinese shows it (issue 22, item 7): its length in words, and its legal basis without the
/// English glosses the catalog writes beside the articles.
@Suite struct LegalBasisTextTests {
    @Test func aStoredLimitReadsInEitherLanguage() {
        #expect(TimeLimit.text(stored: "7 days") == LocalizedText(zh: "7日", en: "7 days"))
        #expect(TimeLimit.text(stored: "10 workingDays") == LocalizedText(zh: "10个工作日", en: "10 working days"))
        #expect(TimeLimit.text(stored: "0 immediately") == LocalizedText(zh: "立即", en: "immediately"))
        #expect(TimeLimit.text(stored: "7 fortnights") == nil)
    }

    @Test func aBasisKeepsItsCitationsAndLosesItsGlosses() {
        #expect(
            TimeLimit.citation("刑事诉讼法第172条第1款 (decide within 1 month, +15 days if major or complex); 人民检察院刑事诉讼规则第351条")
                == "刑事诉讼法第172条第1款；人民检察院刑事诉讼规则第351条"
        )
        // Years and notes in brackets belong to the citation.
        #expect(
            TimeLimit.citation("刑事诉讼法第113条; 《关于刑事立案监督有关问题的规定(试行)》(2010) (file within 15 days)")
                == "刑事诉讼法第113条；《关于刑事立案监督有关问题的规定(试行)》(2010)"
        )
        // Articles named inside English keep; the English goes.
        #expect(TimeLimit.citation("刑事诉讼法第202条 via 第242条; the judgment is final (第244条)") == "刑事诉讼法第202条；第242条；第244条")
        // A part in Chinese stays whole: a custody limit's basis names its person.
        #expect(TimeLimit.citation("刑事诉讼法第156条：张三") == "刑事诉讼法第156条：张三")
        // Nothing Chinese: the basis as it is.
        #expect(TimeLimit.citation("a local rule") == "a local rule")
    }

    @Test func everyBasisOfTheBundledCatalogReadsWithoutEnglish() throws {
        let catalog = try FlowCatalog.bundled()
        let bases = catalog.flows.flatMap(\.messages).flatMap(\.limits).map(\.basis)
        #expect(!bases.isEmpty)
        for basis in bases {
            let cited = TimeLimit.citation(basis)
            #expect(!cited.contains(where: { $0.isASCII && $0.isLetter }), "\(basis) → \(cited)")
            #expect(cited.contains("第") || cited.contains("《") || cited.hasSuffix("制度"), "\(basis) → \(cited)")
        }
    }
}
