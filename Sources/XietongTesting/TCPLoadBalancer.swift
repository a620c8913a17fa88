import Foundation
import XietongLocal

/// A plain TCP load balancer on loopback, like HAProxy in TCP mode: each new connection goes to the next backend in
/// turn that accepts it, and its bytes are copied both ways until either side closes. Multi-instance tests put it
/// in front of several hub instances, so that nodes never know which instance they talk to.
public final class TCPLoadBalancer: @unchecked Sendable {
    // @unchecked: `next` and `connections` are guarded by `lock`; the descriptors are owned by their threads.
    public let port: Int
    private let backends: [Int]
    private let listener: Int32
    private let lock = NSLock()
    private var next = 0
    private var stopped = false
    public private(set) var connections: [Int: Int] = [:]

    public var url: String { "http://127.0.0.1:\(self.port)" }

    public init(backends: [Int]) throws {
        self.backends = backends
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 128) == 0 else {
            close(descriptor)
            throw LocalProcesses.Failure(message: "the load balancer cannot listen: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(descriptor, $0, &length) }
        }
        self.listener = descriptor
        self.port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in self.acceptLoop() }
        thread.start()
    }

    private func acceptLoop() {
        while true {
            let client = accept(self.listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            guard let (backend, port) = self.connectToNextBackend() else {
                close(client)
                continue
            }
            self.lock.withLock { self.connections[port, default: 0] += 1 }
            // Each direction copies until end of input, then half-closes the other side; the second to finish
            // closes both descriptors.
            let finished = Finished(client: client, backend: backend)
            Thread { Self.copy(from: client, to: backend, finished: finished) }.start()
            Thread { Self.copy(from: backend, to: client, finished: finished) }.start()
        }
    }

    private func connectToNextBackend() -> (Int32, Int)? {
        let start = self.lock.withLock {
            defer { self.next += 1 }
            return self.next
        }
        for offset in 0..<self.backends.count {
            let port = self.backends[(start + offset) % self.backends.count]
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if connected == 0 { return (descriptor, port) }
            close(descriptor)
        }
        return nil
    }

    final class Finished: @unchecked Sendable {
        // @unchecked: guarded by `lock`.
        let client: Int32
        let backend: Int32
        private let lock = NSLock()
        private var directions = 0

        init(client: Int32, backend: Int32) {
            self.client = client
            self.backend = backend
        }

        func one() {
            let both = self.lock.withLock {
                self.directions += 1
                return self.directions == 2
            }
            if both {
                close(self.client)
                close(self.backend)
            }
        }
    }

    private static func copy(from source: Int32, to destination: Int32, finished: Finished) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        loop: while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            var written = 0
            while written < count {
                let result = buffer.withUnsafeBytes { write(destination, $0.baseAddress! + written, count - written) }
                if result < 0 && errno == EINTR { continue }
                if result <= 0 { break loop }
                written += result
            }
        }
        // A reset or end on one side ends the other: shut both directions down so that the peer's thread wakes.
        shutdown(destination, Int32(SHUT_RDWR))
        shutdown(source, Int32(SHUT_RDWR))
        finished.one()
    }

    public func stop() {
        self.lock.withLock { self.stopped = true }
        shutdown(self.listener, Int32(SHUT_RDWR))
        close(self.listener)
    }

    deinit { self.stop() }
}
