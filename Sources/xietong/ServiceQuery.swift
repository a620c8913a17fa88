import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import XietongHTTP

/// A GET to a node or the hub for a command that reads (`track`, `case`): the body on 200; otherwise the reason on
/// standard error and exit code 1 for 404, 2 for anything else or an unreachable service.
/// `ca` is the platform CA's certificate, to trust an https node or hub (issue 6).
func queryService(_ url: String, bearer: String?, ca: String? = nil) async throws -> Data {
    var request = HTTPClientRequest(url: url)
    if let bearer { request.headers.add(name: "Authorization", value: BearerToken.header(bearer)) }
    var tls = TLSConfiguration.makeClientConfiguration()
    if let ca { tls.trustRoots = .file(ca) }
    let client =
        ca == nil ? HTTPClient.shared : HTTPClient(eventLoopGroupProvider: .singleton, configuration: .xietong(tls: tls))
    let result: (status: HTTPResponseStatus, body: ByteBuffer)
    do {
        let response = try await client.execute(request, timeout: .seconds(10))
        result = (response.status, try await response.body.collect(upTo: 32 << 20))
    } catch {
        if ca != nil { try? await client.shutdown() }
        printError("xietong: cannot reach \(url): \(error)")
        throw ExitCode(2)
    }
    if ca != nil { try? await client.shutdown() }
    guard result.status == .ok else {
        printError("xietong: \(result.status.code): \(String(buffer: result.body))")
        throw ExitCode(result.status == .notFound ? 1 : 2)
    }
    return Data(result.body.readableBytesView)
}
