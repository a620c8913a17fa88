import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A GET to a node or the hub for a command that reads (`track`, `case`): the body on 200; otherwise the reason on
/// standard error and exit code 1 for 404, 2 for anything else or an unreachable service.
func queryService(_ url: String, bearer: String?) async throws -> Data {
    var request = HTTPClientRequest(url: url)
    if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
    let response: HTTPClientResponse
    do {
        response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    } catch {
        printError("xietong: cannot reach \(url): \(error)")
        throw ExitCode(2)
    }
    let body = try await response.body.collect(upTo: 32 << 20)
    guard response.status == .ok else {
        printError("xietong: \(response.status.code): \(String(buffer: body))")
        throw ExitCode(response.status == .notFound ? 1 : 2)
    }
    return Data(body.readableBytesView)
}
