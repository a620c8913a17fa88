import Foundation
import HummingbirdWSClient
import Logging
import Testing
import XietongCore
import XietongLocal
import XietongTesting

/// The node's interface for business systems: WebSocket notifications, resumable and multipart uploads, periodic
/// subscriptions, and the sender's own overdue alert (ZJ-5.2.2 b, ZJ-7.2.3 a, ZJ-7.2.7, GZ-5, GZ-6).
@Suite(.serialized, .timeLimit(.minutes(5))) struct NodeInterfaceTests {
    func exchange(senderAlertAfter: Double = 300) async throws -> ExchangeHarness {
        let harness = try ExchangeHarness()
        try harness.addHub(nodes: [police, procuratorate])
        try harness.addNode(police, alertAfterSeconds: senderAlertAfter)
        try harness.addReceiver(procuratorate)
        try await harness.startAll()
        return harness
    }

    actor Collected {
        var hops: [String] = []
        var isConnected = false
        func add(_ hop: String) { self.hops.append(hop) }
        func connected() { self.isConnected = true }
    }

    /// Listens on a node's WebSocket and collects the hops it pushes.
    func listen(_ harness: ExchangeHarness, _ organisation: String, into collected: Collected) -> Task<Void, any Error> {
        let url = "ws://127.0.0.1:\(harness.services[organisation]!.port)/api/v1/events?key=\(ExchangeHarness.apiKey(organisation))"
        return Task {
            try await WebSocketClient.connect(url: url, logger: Logger(label: "test.ws")) { inbound, _, _ in
                await collected.connected()
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message,
                        let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                        let event = object["event"] as? [String: Any], let hop = event["hop"] as? String
                    else { continue }
                    await collected.add(hop)
                }
            }
        }
    }

    @Test func bothSenderAndReceiverAreToldOfEveryStateChange() async throws {
        let harness = try await self.exchange()
        let sender = Collected()
        let receiver = Collected()
        let senderTask = self.listen(harness, police, into: sender)
        let receiverTask = self.listen(harness, procuratorate, into: receiver)
        try await harness.eventually("both WebSockets are connected") {
            let senderReady = await sender.isConnected
            let receiverReady = await receiver.isConnected
            return senderReady && receiverReady
        }
        // The server subscribes right after the upgrade; give it a moment to register the listeners.
        try await Task.sleep(for: .milliseconds(200))
        let made = PackageFactory.arrestRequest(case: 10, message: 0)
        _ = try await harness.send(made.xml, attachments: [made.attachment], from: police)
        try await harness.eventually("the sender hears of delivery") { await sender.hops.contains("delivered") }
        try await harness.eventually("the receiver hears of storing and delivery") { await receiver.hops.contains("delivered") }
        #expect(await sender.hops.starts(with: ["acceptedByNode", "receivedByHub", "coded", "forwarded"]))
        #expect(await receiver.hops.contains("storedByReceiver"))
        senderTask.cancel()
        receiverTask.cancel()
        let refused = try await harness.get(harness.services[police]!.url + "/api/v1/events")
        #expect(refused.status == 401 || refused.status == 404)
    }

    @Test func aCutUploadResumesFromWhereItStopped() async throws {
        let harness = try await self.exchange()
        let node = harness.services[police]!
        let key = ExchangeHarness.apiKey(police)
        let made = PackageFactory.arrestRequest(case: 11, message: 0)
        // A 3 MiB dossier, uploaded in one PATCH that the network cuts after 1 MiB.
        var dossier = made.attachment
        dossier += [UInt8](repeating: 0x20, count: 3 << 20)
        let sha256 = ContentHash.sha256(dossier)
        let created = try await harness.post(
            node.url + "/api/v1/uploads",
            key: key,
            body: Array("{\"sha256\":\"\(sha256)\",\"size\":\(dossier.count)}".utf8)
        )
        #expect(created.status == 201)
        let uploadId = try #require((try? JSONSerialization.jsonObject(with: Data(created.body)) as? [String: Any])?["uploadId"] as? String)
        let head =
            "PATCH /api/v1/uploads/\(uploadId) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(key)\r\nUpload-Offset: 0\r\nContent-Length: \(dossier.count)\r\n\r\n"
        ExchangeHarness.sendCutRequest(port: node.port, head: head, body: dossier, cut: 1 << 20)

        // The node notices the cut when its read of the request fails, which under load comes a moment after the
        // socket is closed here: until then the upload shows nothing kept, or is still being appended to.
        var offset = 0
        try await harness.eventually("the node kept what arrived of the cut upload") {
            let status = try await harness.get(node.url + "/api/v1/uploads/\(uploadId)", key: key)
            offset = (try? JSONSerialization.jsonObject(with: Data(status.body)) as? [String: Any])?["received"] as? Int ?? 0
            return offset > 0
        }
        #expect(offset > 0 && offset <= 1 << 20, "the node kept what arrived: \(offset) bytes")
        let wrong = try await harness.patch(node.url + "/api/v1/uploads/\(uploadId)", key: key, body: [1, 2, 3], headers: [("Upload-Offset", "0")])
        #expect(wrong.status == 409 && wrong.text.contains("upload.offset-mismatch"))
        let rest = try await harness.patch(
            node.url + "/api/v1/uploads/\(uploadId)",
            key: key,
            body: Array(dossier[offset...]),
            headers: [("Upload-Offset", String(offset))]
        )
        #expect(rest.status == 204, "\(rest.text)")
        let done = try await harness.get(node.url + "/api/v1/uploads/\(uploadId)", key: key)
        #expect(done.text.contains("\"completed\":true"))

        // The package naming this dossier is accepted and delivered with it.
        var xml = String(decoding: made.xml, as: UTF8.self)
        xml = xml.replacingOccurrences(of: ContentHash.sha256(made.attachment), with: sha256)
        xml = xml.replacingOccurrences(of: "<Size>\(made.attachment.count)</Size>", with: "<Size>\(dossier.count)</Size>")
        let reply = try await harness.post(node.url + "/api/v1/packages", key: key, body: Array(xml.utf8))
        #expect(reply.status == 202, "\(reply.text)")
        try await harness.eventually("delivered with the dossier") { try await harness.received(by: procuratorate).first?.attachments == 1 }
    }

    @Test func aPackageAndItsFilesCanBeSentInOneMultipartRequest() async throws {
        let harness = try await self.exchange()
        let made = PackageFactory.arrestRequest(case: 12, message: 0)
        let boundary = "xietong-test-boundary"
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"package\"\r\nContent-Type: application/xml\r\n\r\n".utf8) + made.xml
        body += Array(
            "\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"file1\"; filename=\"doc.pdf\"\r\nContent-Type: application/pdf\r\n\r\n".utf8
        )
        body += made.attachment + Array("\r\n--\(boundary)--\r\n".utf8)
        let reply = try await harness.post(
            harness.services[police]!.url + "/api/v1/packages",
            key: ExchangeHarness.apiKey(police),
            body: body,
            headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")]
        )
        #expect(reply.status == 202, "\(reply.text)")
        try await harness.eventually("delivered") { try await harness.received(by: procuratorate).count == 1 }
        let broken = try await harness.post(
            harness.services[police]!.url + "/api/v1/packages",
            key: ExchangeHarness.apiKey(police),
            body: Array("--\(boundary)\r\nno headers".utf8),
            headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")]
        )
        #expect(broken.status == 400 && broken.text.contains("multipart.invalid"))
    }

    @Test func aSubscriptionDeliversBatchesOnItsSchedule() async throws {
        let harness = try await self.exchange()
        let business = harness.services["business-\(procuratorate)"]!
        let subscribed = try await harness.post(
            harness.services[procuratorate]!.url + "/api/v1/subscriptions",
            key: ExchangeHarness.apiKey(procuratorate),
            body: Array("{\"url\":\"\(business.url)/batches\",\"intervalSeconds\":1,\"flows\":[\"arrestApproval\"]}".utf8)
        )
        #expect(subscribed.status == 201, "\(subscribed.text)")
        let made = PackageFactory.arrestRequest(case: 13, message: 0)
        _ = try await harness.send(made.xml, attachments: [made.attachment], from: police)
        try await harness.eventually("a batch lists the package", timeout: 30) {
            try await harness.get(business.url + "/batches").text.contains(made.packageId)
        }
    }

    @Test func theSendersNodeAlertsWhenTheHubDoesNotConfirm() async throws {
        let harness = try await self.exchange(senderAlertAfter: 1)
        await harness.stop("hub")
        let made = PackageFactory.arrestRequest(case: 14, message: 0)
        _ = try await harness.send(made.xml, attachments: [made.attachment], from: police)
        try await harness.eventually("the sender's node raises the alert", timeout: 30) {
            try await harness.status(of: made.packageId, at: police).contains { $0.hop == .alerted }
        }
        let alert = try #require(try await harness.status(of: made.packageId, at: police).first { $0.hop == .alerted })
        #expect(alert.detail?.contains("waiting for receivedByHub") == true)
        try await harness.start("hub")
        try await harness.eventually("it still arrives once the hub is back") { try await harness.received(by: procuratorate).count == 1 }
    }

    /// The head of the answer to a raw HTTP/1.1 request on a new connection (a WebSocket handshake, which the test
    /// clients do not let through as written).
    static func rawAnswer(port: Int, _ request: String) throws -> String {
        let socket = try #require(LocalProcesses.connectLoopback(port: port))
        defer { close(socket) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(request.utf8)
        _ = bytes.withUnsafeBytes { write(socket, $0.baseAddress, $0.count) }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: answer, as: UTF8.self).contains("\r\n\r\n") || answer.count < 16 {
            let count = read(socket, &buffer, buffer.count)
            guard count > 0 else { break }
            answer += buffer[0..<count]
            // A JSON error's body follows its head; read what came with it.
            if let text = String(bytes: answer, encoding: .utf8), text.contains("\r\n\r\n{"), text.hasSuffix("}") { break }
            if String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.1 101") { break }
        }
        return String(decoding: answer, as: UTF8.self)
    }

    /// The events' WebSocket refuses a handshake without a key as the API refuses any request without one: JSON 401,
    /// not an empty 400 (issue 22, item 6); with its key the handshake succeeds.
    @Test func theEventsHandshakeWithoutAKeyIsRefusedInJSON() async throws {
        let harness = try await self.exchange()
        let port = harness.services[police]!.port
        let handshake = { (extra: String) in
            "GET /api/v1/events\(extra) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        }
        let refused = try Self.rawAnswer(port: port, handshake(""))
        #expect(refused.hasPrefix("HTTP/1.1 401"), "\(refused)")
        #expect(refused.contains(#"{"error":"auth.required""#), "\(refused)")
        let wrongKey = try Self.rawAnswer(port: port, handshake("?key=wrong"))
        #expect(wrongKey.hasPrefix("HTTP/1.1 401"), "\(wrongKey)")
        let accepted = try Self.rawAnswer(port: port, handshake("?key=\(ExchangeHarness.apiKey(police))"))
        #expect(accepted.hasPrefix("HTTP/1.1 101"), "\(accepted)")
    }
}
