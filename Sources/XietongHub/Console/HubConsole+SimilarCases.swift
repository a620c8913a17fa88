import Foundation
import Hummingbird
import XietongCore
import XietongHTTP

// The similar-cases page of a case (issue 26, SZ-6, GS-6): the case's features, the sentences of the close matches by
// penalty, and the earlier judgments ranked, each with the features that matched and their points. The page says
// first that it is a reference, never a decision. Read through `SimilarCasesController`, logged as the API's reads.
extension HubConsole {
    func similarCases(_ request: Request, _ code: String, _ session: ConsoleSessions.Session) async throws -> Response {
        let language = ConsoleLanguage.of(request)
        let title = ("类案与量刑参考", "Similar cases and sentencing reference")
        let reference: SimilarCases.Reference
        do {
            let limit = try SimilarCasesController.limit(ConsoleForm.query(request)["limit"])
            reference = try await self.similar.similar(to: code, limit: limit, caller: Caller(session: session.principal))
        } catch let error as APIError {
            let body =
                "<p class=\"error\" id=\"similar-error\">\(ConsoleHTML.escape(language.pick(error.message.zh, error.message.en)))"
                + " <code>\(ConsoleHTML.escape(error.code.rawValue))</code></p>"
            return self.render(request, session, title: title, body: body)
        }
        return self.render(
            request,
            session,
            title: title,
            body: ConsoleSimilarCases.html(reference, language: language, name: { self.orgName($0, language) })
        )
    }
}
