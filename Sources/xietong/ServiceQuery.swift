import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import XietongClient
import XietongHTTP

/// A read for a command (`track`, `case`) from a node (`node`, with its API key) or from the hub (`hub`, with a
/// token): the body on 200; otherwise the reason on standard error and exit code 1 for 404, 2 for anything else or an
/// unreachable service. `ca` is the platform CA's certificate, to trust an https node or hub (issue 6).
func queryService(
    node: String?,
    apiKey: String?,
    hub: String?,
    token: String?,
    ca: String?,
    _ atNode: (NodeAPIClient) async throws -> Reply,
    _ atHub: (HubAPIClient) async throws -> Reply
) async throws -> Data {
    var tls = TLSConfiguration.makeClientConfiguration()
    if let ca { tls.trustRoots = .file(ca) }
    let client =
        ca == nil ? HTTPClient.shared : HTTPClient(eventLoopGroupProvider: .singleton, configuration: .xietong(tls: tls))
    let reply: Reply
    do {
        if let node {
            reply = try await atNode(NodeAPIClient(baseURL: node, apiKey: apiKey, client: client, timeout: .seconds(10), bodyLimit: 32 << 20))
        } else {
            reply = try await atHub(HubAPIClient(baseURL: hub ?? "", token: token, client: client, timeout: .seconds(10), bodyLimit: 32 << 20))
        }
    } catch {
        if ca != nil { try? await client.shutdown() }
        printError("xietong: cannot reach \(node ?? hub ?? ""): \(error)")
        throw ExitCode(2)
    }
    if ca != nil { try? await client.shutdown() }
    guard reply.status == 200 else {
        printError("xietong: \(reply.status): \(reply.text)")
        throw ExitCode(reply.status == 404 ? 1 : 2)
    }
    return Data(reply.body)
}
