import Foundation
import Testing
import XietongTesting

@testable import XietongCore

/// The standard documents' templates (issue 26, SZ-6): one for every flow's opening message, each naming only fields
/// the package fills, and filled from a real package.
@Suite struct DocumentTemplateTests {
    @Test func everyFlowHasATemplateForAMessageThatOpensIt() throws {
        let templates = try DocumentTemplates.bundled()
        let catalog = try FlowCatalog.bundled()
        for template in templates.templates {
            let message = try #require(catalog.message(flow: template.flow, type: template.messageType), "\(template.id)")
            #expect(message.answers.isEmpty, "\(template.id) is not an opening message")
            #expect(template.basis?.isEmpty == false, "\(template.id) names its basis")
        }
        let covered = Set(templates.templates.map(\.flow))
        #expect(Set(catalog.flows.map(\.id)).subtracting(covered).sorted() == [])
        for id in ["arrestRequest", "prosecutionTransfer", "imprisonmentHandover", "indictment"] {
            #expect(templates[id] != nil, "\(id)")
        }
    }

    @Test func aTemplateIsFilledFromThePackage() throws {
        let templates = try DocumentTemplates.bundled()
        let package = try #require(Fixtures.check(bytes: Array(Fixtures.example("arrestApproval.arrestRequest").utf8), attachments: false).package)
        let template = try #require(templates["arrestRequest"])
        let filled = try #require(FilledDocument.fill(template, from: package, registry: Fixtures.registry, today: Fixtures.testDay))
        #expect(filled.title == "提请批准逮捕书" && filled.addressee == "杭州市西湖区人民检察院：")
        let text = filled.paragraphs.joined()
        #expect(text.contains("犯罪嫌疑人张某某涉嫌盗窃罪一案") && text.contains("第八十七条") && !text.contains("{{"))
        #expect(filled.fields.contains { $0.label == "犯罪嫌疑人" && $0.value.contains("330106199003151236") })
        #expect(filled.issuerName == "杭州市公安局西湖区分局" && filled.issuedOn == "2026-11-20")
        // Not of the template's message: nothing.
        #expect(
            FilledDocument.fill(try #require(templates["indictment"]), from: package, registry: Fixtures.registry, today: Fixtures.testDay) == nil
        )
    }

    @Test func aProvincesFileReplacesTheTemplatesAndAnUnknownFieldIsRefused() throws {
        let directory = try TemporaryDirectory()
        let file = directory.file("templates.json")
        let own = """
            {"format": "xietong.document-templates/1", "templates": [{"id": "arrestRequest", "flow": "arrestApproval",
             "messageType": "arrestRequest", "title": "提请批准逮捕书（浙江）", "paragraphs": ["{{persons}}"], "fields": []}]}
            """
        try Data(own.utf8).write(to: file)
        #expect(try DocumentTemplates.load(file).templates.map(\.title) == ["提请批准逮捕书（浙江）"])
        try Data(own.replacingOccurrences(of: "{{persons}}", with: "{{suspects}}").utf8).write(to: file)
        do {
            _ = try DocumentTemplates.load(file)
            Issue.record("an unknown field was accepted")
        } catch {
            #expect(error.message.en.contains("unknown field {{suspects}}") && error.path == "templates[0]")
        }
        try Data(own.replacingOccurrences(of: "/1", with: "/2").utf8).write(to: file)
        #expect(throws: ConfigurationError.self) { try DocumentTemplates.load(file) }
    }
}
