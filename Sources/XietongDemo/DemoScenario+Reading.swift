import Foundation
import NIOHTTP1
import XietongClient
import XietongCore

// The demo's online file reading (issue 26, GUI-2): the procuratorate lets the suspect's defence lawyer read the
// dossier it received with the arrest request, for seven days; the grant's id and code are written beside the
// consoles' users (`reading.json`), as the business system would hand them to the lawyer.
extension DemoRunner.Scenario {
    func grantReading(of packageId: String) async throws {
        self.say("")
        self.say("网上阅卷 online file reading (GUI-2)")
        let body = """
            {"packageId": "\(packageId)", "reader": {"kind": "lawyer", "name": "李律师", "licence": "13301201910123456"}, "days": 7}
            """
        let reply = try await self.api(DemoCase.procuratorate).request(
            .POST,
            "/api/v1/reading-grants",
            body: Array(body.utf8),
            headers: [("Content-Type", "application/json")]
        )
        guard reply.status == 201, let granted = try? JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any],
            let grant = granted["grant"] as? [String: Any], let id = grant["grantId"] as? String, let code = granted["accessCode"] as? String
        else {
            self.say("  未能授权 not granted: \(reply.status) \(reply.text.prefix(300))")
            return
        }
        let page = "\(self.node(DemoCase.procuratorate))/reading/login"
        self.say("  \(self.name(DemoCase.procuratorate)) 授权李律师阅卷七日 lets the lawyer 李律师 read the dossier for 7 days: \(page)")
        self.say("  授权编号 grant \(id)  阅卷码 code \(code)")
        let reading: [String: String] = ["page": page, "grant": id, "code": code, "packageId": packageId]
        let folder = self.runner.options.dataDirectory
        try CanonicalJSON.pretty(reading).write(to: folder.appendingPathComponent("reading.json"))
    }
}
