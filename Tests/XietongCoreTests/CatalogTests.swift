import Foundation
import Testing
import XietongCore
import XietongTesting

/// The flow catalog (ZJ-6, ZJ-7.1.3.1) as data, with a province's override.
@Suite struct CatalogTests {
    let catalog = try! FlowCatalog.bundled()

    @Test func everyFlowOfTheStandardIsCatalogued() {
        let clauses = Set(self.catalog.flows.map(\.clause))
        for clause in (1...12).map({ "ZJ-6.1.\($0)" }) + (1...3).map({ "ZJ-6.2.\($0)" }) + (1...3).map({ "ZJ-6.3.\($0)" }) {
            #expect(clauses.contains(clause), "missing \(clause)")
        }
        #expect(self.catalog.flow("seizedProperty") != nil)
        // The standard's 19, and the detention-period extensions and recounts of CPL 第156–160条 (issue 20).
        #expect(self.catalog.flows.count == 20)
        #expect(self.catalog.flows.map(\.messages.count).reduce(0, +) == 105)
    }

    @Test func everyNamedBusinessOfTheStandardIsAMessage() {
        // The businesses ZJ-6.1.2 names, for example.
        let arrest = self.catalog.flow("arrestApproval")!
        #expect(arrest.messages.map(\.zh).contains("提请批准逮捕"))
        #expect(arrest.messages.map(\.zh).contains("不批准逮捕决定"))
        #expect(arrest.messages.map(\.zh).contains("执行回执反馈"))
        #expect(self.catalog.flow("communityCorrection")!.messages.count == 11)
    }

    @Test func theArrestRequestCarriesItsStatutoryLimit() throws {
        let message = try #require(self.catalog.message(flow: "arrestApproval", type: "arrestRequest"))
        #expect(message.from == [.police])
        #expect(message.to == [.procuratorate])
        #expect(message.startsFlow)
        let limit = try #require(message.receiverLimits.first)
        #expect(limit.value == 7 && limit.unit == .days)
        #expect(limit.basis.contains("刑事诉讼法第91条"))
    }

    @Test func closingMessagesAndRepliesAreConsistent() {
        for flow in self.catalog.flows {
            #expect(flow.messages.contains { $0.closes == .flow }, "\(flow.id) has no closing message")
            for message in flow.messages {
                for answered in message.answers { #expect(flow.message(answered) != nil) }
            }
        }
    }

    @Test func theElevenInterfaceProcessKindsAreMapped() {
        #expect(self.catalog.interfaceProcessKinds.count == 11)
        let kind = self.catalog.interfaceProcessKinds.first { $0.id == "arrestReview" }
        #expect(kind?.flows == ["arrestApproval"])
        #expect(self.catalog.interfaceProcessKinds.filter(\.flows.isEmpty).count == 5)
    }

    @Test func aProvinceCanOverrideALimitAndAddAMessage() throws {
        let override = """
            {"format": "xietong.catalog/1", "catalogVersion": "2026.1-zj.1",
             "flows": [{"id": "onlineFileRetrieval", "clause": "ZJ-6.3.2", "category": "civil", "zh": "在线调卷", "en": "Online file retrieval",
               "messages": [
                 {"id": "fileRetrievalRequest", "zh": "在线调卷申请", "en": "Request", "from": ["procuratorate"], "to": ["court"],
                  "limits": [{"party": "receiver", "value": 5, "unit": "workingDays", "basis": "浙江省规定"}]},
                 {"id": "fileRetrievalRefusal", "zh": "不予调卷告知", "en": "Refusal", "from": ["court"], "to": ["procuratorate"],
                  "answers": ["fileRetrievalRequest"], "closes": "flow"}]}]}
            """
        let merged = try self.catalog.merging(FlowCatalog(data: Data(override.utf8)))
        #expect(merged.catalogVersion == "2026.1-zj.1")
        #expect(merged.message(flow: "onlineFileRetrieval", type: "fileRetrievalRequest")?.receiverLimits.first?.value == 5)
        #expect(merged.message(flow: "onlineFileRetrieval", type: "fileRetrievalRefusal")?.closes == .flow)
        #expect(merged.message(flow: "onlineFileRetrieval", type: "digitalCaseFileTransfer") != nil)
        #expect(merged.flows.count == 20)
    }

    @Test(arguments: [
        (
            #"{"format":"xietong.catalog/1","catalogVersion":"x","flows":[{"id":"f","clause":"c","category":"civil","zh":"z","en":"e","messages":[{"id":"m","zh":"z","en":"e","from":["police"],"to":["judge"]}]}]}"#,
            "flows[0].messages[0].to[0]"
        ),
        (
            #"{"format":"xietong.catalog/1","catalogVersion":"x","flows":[{"id":"f","clause":"c","category":"civil","zh":"z","en":"e","messages":[{"id":"m","zh":"z","en":"e","from":["police"],"to":["court"],"answers":["nope"]}]}]}"#,
            "flows[0].messages[0].answers"
        ),
        (
            #"{"format":"xietong.catalog/1","catalogVersion":"x","flows":[{"id":"f","clause":"c","category":"civil","zh":"z","en":"e","messages":[{"id":"m","zh":"z","en":"e","from":["police"],"to":["court"],"limits":[{"party":"receiver","value":0,"unit":"days","basis":"b"}]}]}]}"#,
            "flows[0].messages[0].limits[0].value"
        ),
        (
            #"{"format":"xietong.catalog/1","catalogVersion":"x","flows":[{"id":"f","clause":"c","category":"civil","zh":"z","en":"e","messages":[{"id":"m","en":"e","from":["police"],"to":["court"]}]}]}"#,
            "flows[0].messages[0].zh"
        ),
        (#"{"format":"xietong.catalog/2","catalogVersion":"x"}"#, "format"),
    ])
    func aBadCatalogIsRefusedNamingTheEntry(json: String, path: String) {
        do {
            _ = try FlowCatalog(data: Data(json.utf8), file: "override.json")
            Issue.record("accepted a bad catalog")
        } catch {
            #expect(error.path == path)
            #expect(error.file == "override.json")
            #expect(!error.message.zh.isEmpty && !error.message.en.isEmpty)
        }
    }
}

/// The organisation registry an IT centre edits.
@Suite struct OrganisationRegistryTests {
    @Test func theDemoRegistryLoads() throws {
        let registry = try OrganisationRegistry.demo()
        #expect(registry.organisations.count == 13)
        let justice = try #require(registry["330106000401"])
        #expect(justice.acts(asAnyOf: [.legalAid]))
        #expect(justice.acts(asAnyOf: [.communityCorrection]))
        #expect(!justice.acts(asAnyOf: [.prison]))
    }

    func entry(_ fields: String) -> String {
        #"{"format":"xietong.organisations/1","organisations":[{"code":"330106000101","agencyCode":"1101","kind":"police","name":{"zh":"甲","en":"A"}},"#
            + "{\(fields)}]}"
    }

    @Test(arguments: [
        (#""code":"33010600010","agencyCode":"1102","kind":"police","name":{"zh":"乙","en":"B"}"#, "organisations[1].code", "config.invalid-value"),
        (
            #""code":"330106000102","agencyCode":"11","kind":"police","name":{"zh":"乙","en":"B"}"#, "organisations[1].agencyCode",
            "config.invalid-value"
        ),
        (#""code":"330106000102","agencyCode":"1102","kind":"sheriff","name":{"zh":"乙","en":"B"}"#, "organisations[1].kind", "config.invalid-value"),
        (#""code":"330106000101","agencyCode":"1102","kind":"police","name":{"zh":"乙","en":"B"}"#, "organisations[1].code", "config.duplicate"),
        (#""code":"330106000102","agencyCode":"1101","kind":"police","name":{"zh":"乙","en":"B"}"#, "organisations[1].agencyCode", "config.duplicate"),
        (
            #""code":"330106000102","agencyCode":"1102","kind":"police","name":{"zh":" ","en":"B"}"#, "organisations[1].name.zh",
            "config.missing-field"
        ),
        (
            #""code":"330106000102","agencyCode":"1102","kind":"police","name":{"zh":"乙","en":"B"},"division":"999999""#, "organisations[1].division",
            "config.unknown-reference"
        ),
        (#""code":"330106000102","kind":"police","name":{"zh":"乙","en":"B"}"#, "organisations[1].agencyCode", "config.missing-field"),
        (
            #""code":"330106000102","agencyCode":"1102","kind":"police","alsoActsAs":["warden"],"name":{"zh":"乙","en":"B"}"#,
            "organisations[1].alsoActsAs[0]", "config.invalid-value"
        ),
    ])
    func aBadEntryIsRefusedNamingIt(fields: String, path: String, code: String) throws {
        do {
            _ = try OrganisationRegistry(data: Data(self.entry(fields).utf8), file: "organisations.json", divisions: CodeSets.bundled().division)
            Issue.record("accepted a bad registry")
        } catch {
            #expect(error.path == path)
            #expect(error.code.rawValue == code)
            #expect(error.file == "organisations.json")
        }
    }

    @Test func notJSONIsASyntaxError() {
        #expect(throws: ConfigurationError.self) { try OrganisationRegistry(data: Data("{organisations".utf8)) }
    }
}

@Suite struct CatalogDocumentationTests {
    @Test func docsFlowsShowsTheShippedCatalog() throws {
        let document = try String(contentsOf: Repository.url("docs/flows.md"), encoding: .utf8)
        #expect(document.contains(try FlowCatalog.bundled().markdown), "regenerate the tables in docs/flows.md with `xietong catalog --markdown`")
    }
}
