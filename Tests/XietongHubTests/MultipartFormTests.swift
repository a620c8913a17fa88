import Testing

@testable import XietongNode

/// The one-request send's multipart/form-data parser (RFC 7578).
@Suite struct MultipartFormTests {
    @Test func partsAreSplitAtTheirBoundaries() throws {
        let body = Array(
            "--BB\r\nContent-Disposition: form-data; name=\"package\"\r\nContent-Type: application/xml\r\n\r\n<a>1</a>\n\r\n--BB\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.pdf\"\r\n\r\n%PDF\r\nbinary\r\n--BB--\r\n"
                .utf8
        )
        let parts = try MultipartForm.parse(body, boundary: "BB")
        #expect(parts.map(\.name) == ["package", "f"])
        #expect(parts[0].body == Array("<a>1</a>\n".utf8))
        #expect(parts[0].contentType == "application/xml")
        #expect(parts[1].filename == "x.pdf")
        #expect(parts[1].body == Array("%PDF\r\nbinary".utf8))
        #expect(MultipartForm.boundary("multipart/form-data; boundary=\"a b\"") == "a b")
        #expect(MultipartForm.boundary("application/xml") == nil)
    }

    @Test func malformedBodiesAreRefused() {
        #expect(throws: MultipartForm.Failure.self) { try MultipartForm.parse(Array("no boundary".utf8), boundary: "BB") }
        #expect(throws: MultipartForm.Failure.self) {
            try MultipartForm.parse(Array("--BB\r\nContent-Disposition: form-data\r\n\r\nx".utf8), boundary: "BB")
        }
    }
}
