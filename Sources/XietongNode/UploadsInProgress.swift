/// The resumable uploads a request is writing right now (ZJ-7.2.3 a).
///
/// A cut connection's request is still storing what arrived when the business system asks where to resume; the
/// status answer waits for it, so the offset it gives is what is on disk. Only one request appends to an upload at
/// a time: a second one waits for the first, or is told the upload is busy.
actor UploadsInProgress {
    private var writing: Set<String> = []

    /// Claims `uploadId` for a request that appends to it, waiting up to `patience` for another request to let go.
    func claim(_ uploadId: String, patience: Duration = .seconds(5)) async -> Bool {
        guard await self.settle(uploadId, patience: patience) else { return false }
        self.writing.insert(uploadId)
        return true
    }

    func release(_ uploadId: String) { self.writing.remove(uploadId) }

    /// Waits up to `patience` until no request is writing `uploadId`; false if one still is.
    @discardableResult
    func settle(_ uploadId: String, patience: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + patience
        while self.writing.contains(uploadId) {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }
}
