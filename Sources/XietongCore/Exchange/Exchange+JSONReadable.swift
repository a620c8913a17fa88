// The exchange's values read from JSON without Foundation's decoder (`JSONReadable`): each field as its synthesized
// `Decodable` conformance reads it. `JSONReaderTests` compares each with Foundation's decoder.

extension LocalizedText: JSONReadable {
    public init(json reader: inout JSONReader) throws(JSONReader.Failure) {
        var zh: String?
        var en: String?
        try reader.readObject { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
            switch key {
            case "zh": zh = try reader.readString()
            case "en": en = try reader.readString()
            default: try reader.skipValue()
            }
        }
        guard let zh else { throw reader.missing("zh") }
        guard let en else { throw reader.missing("en") }
        self.init(zh: zh, en: en)
    }
}

extension Finding: JSONReadable {
    public init(json reader: inout JSONReader) throws(JSONReader.Failure) {
        var code: String?
        var severity: Severity?
        var location: String?
        var line: Int?
        var message: LocalizedText?
        try reader.readObject { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
            switch key {
            case "code": code = try reader.readString()
            case "severity":
                let text = try reader.readString()
                guard let value = Severity(rawValue: text) else { throw reader.invalid("severity", text) }
                severity = value
            case "location": location = try reader.readString()
            case "line": line = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in try reader.readInt() }
            case "message": message = try reader.read(LocalizedText.self)
            default: try reader.skipValue()
            }
        }
        guard let code else { throw reader.missing("code") }
        guard let severity else { throw reader.missing("severity") }
        guard let location else { throw reader.missing("location") }
        guard let message else { throw reader.missing("message") }
        self.init(FindingCode(rawValue: code), severity, at: location, line: line, message)
    }
}

extension PackageEvent: JSONReadable {
    public init(json reader: inout JSONReader) throws(JSONReader.Failure) {
        var packageId: String?
        var hop: Hop?
        var at: String?
        var organisation: String?
        var detail: String?
        var findings: [Finding]?
        try reader.readObject { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
            switch key {
            case "packageId": packageId = try reader.readString()
            case "hop":
                let text = try reader.readString()
                guard let value = Hop(rawValue: text) else { throw reader.invalid("hop", text) }
                hop = value
            case "at": at = try reader.readString()
            case "organisation": organisation = try reader.readString()
            case "detail": detail = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in try reader.readString() }
            case "findings":
                findings = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in try reader.read([Finding].self) }
            default: try reader.skipValue()
            }
        }
        guard let packageId else { throw reader.missing("packageId") }
        guard let hop else { throw reader.missing("hop") }
        guard let at else { throw reader.missing("at") }
        guard let organisation else { throw reader.missing("organisation") }
        self.init(packageId: packageId, hop: hop, at: at, organisation: organisation, detail: detail, findings: findings)
    }
}

extension Receipt: JSONReadable {
    public init(json reader: inout JSONReader) throws(JSONReader.Failure) {
        var packageId: String?
        var status: Status?
        var unifiedCaseCode: String?
        var codeAssigned: Bool?
        var receivedAt: String?
        var findings: [Finding]?
        var statusURL: String?
        var hubSignature: String?
        var hops: [PackageEvent]?
        try reader.readObject { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
            switch key {
            case "packageId": packageId = try reader.readString()
            case "status":
                let text = try reader.readString()
                guard let value = Status(rawValue: text) else { throw reader.invalid("status", text) }
                status = value
            case "unifiedCaseCode":
                unifiedCaseCode = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in try reader.readString() }
            case "codeAssigned": codeAssigned = try reader.readBool()
            case "receivedAt": receivedAt = try reader.readString()
            case "findings": findings = try reader.read([Finding].self)
            case "statusURL": statusURL = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in try reader.readString() }
            case "hubSignature":
                hubSignature = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in try reader.readString() }
            case "hops":
                hops = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in try reader.read([PackageEvent].self) }
            default: try reader.skipValue()
            }
        }
        guard let packageId else { throw reader.missing("packageId") }
        guard let status else { throw reader.missing("status") }
        guard let codeAssigned else { throw reader.missing("codeAssigned") }
        guard let receivedAt else { throw reader.missing("receivedAt") }
        guard let findings else { throw reader.missing("findings") }
        self.init(
            packageId: packageId,
            status: status,
            unifiedCaseCode: unifiedCaseCode,
            codeAssigned: codeAssigned,
            receivedAt: receivedAt,
            findings: findings,
            statusURL: statusURL
        )
        self.hubSignature = hubSignature
        self.hops = hops
    }
}

extension PackageSignature: JSONReadable {
    public init(json reader: inout JSONReader) throws(JSONReader.Failure) {
        var algorithm: String?
        var signer: String?
        var certificate: String?
        var signature: String?
        try reader.readObject { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
            switch key {
            case "algorithm": algorithm = try reader.readString()
            case "signer": signer = try reader.readString()
            case "certificate": certificate = try reader.readString()
            case "signature": signature = try reader.readString()
            default: try reader.skipValue()
            }
        }
        guard let algorithm else { throw reader.missing("algorithm") }
        guard let signer else { throw reader.missing("signer") }
        guard let certificate else { throw reader.missing("certificate") }
        guard let signature else { throw reader.missing("signature") }
        self.init(algorithm: algorithm, signer: signer, certificate: certificate, signature: signature)
    }
}

extension Delivery.File: JSONReadable {
    public init(json reader: inout JSONReader) throws(JSONReader.Failure) {
        var sha256: String?
        var size: Int?
        var name: String?
        var mediaType: String?
        try reader.readObject { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
            switch key {
            case "sha256": sha256 = try reader.readString()
            case "size": size = try reader.readInt()
            case "name": name = try reader.readString()
            case "mediaType": mediaType = try reader.readString()
            default: try reader.skipValue()
            }
        }
        guard let sha256 else { throw reader.missing("sha256") }
        guard let size else { throw reader.missing("size") }
        guard let name else { throw reader.missing("name") }
        guard let mediaType else { throw reader.missing("mediaType") }
        self.init(sha256: sha256, size: size, name: name, mediaType: mediaType)
    }
}

extension Delivery: JSONReadable {
    public init(json reader: inout JSONReader) throws(JSONReader.Failure) {
        var packageId: String?
        var sender: String?
        var receiver: String?
        var flow: String?
        var messageType: String?
        var unifiedCaseCode: String?
        var agencyCaseNumber: String?
        var contentSHA256: String?
        var contentSize: Int?
        var attachments: [File]?
        var acceptedAt: String?
        var content: String?
        var signature: PackageSignature?
        try reader.readObject { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
            switch key {
            case "packageId": packageId = try reader.readString()
            case "sender": sender = try reader.readString()
            case "receiver": receiver = try reader.readString()
            case "flow": flow = try reader.readString()
            case "messageType": messageType = try reader.readString()
            case "unifiedCaseCode": unifiedCaseCode = try reader.readString()
            case "agencyCaseNumber": agencyCaseNumber = try reader.readString()
            case "contentSHA256": contentSHA256 = try reader.readString()
            case "contentSize": contentSize = try reader.readInt()
            case "attachments": attachments = try reader.read([File].self)
            case "acceptedAt": acceptedAt = try reader.readString()
            case "content": content = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in try reader.readString() }
            case "signature":
                signature = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in try reader.read(PackageSignature.self)
                }
            default: try reader.skipValue()
            }
        }
        guard let packageId else { throw reader.missing("packageId") }
        guard let sender else { throw reader.missing("sender") }
        guard let receiver else { throw reader.missing("receiver") }
        guard let flow else { throw reader.missing("flow") }
        guard let messageType else { throw reader.missing("messageType") }
        guard let unifiedCaseCode else { throw reader.missing("unifiedCaseCode") }
        guard let agencyCaseNumber else { throw reader.missing("agencyCaseNumber") }
        guard let contentSHA256 else { throw reader.missing("contentSHA256") }
        guard let contentSize else { throw reader.missing("contentSize") }
        guard let attachments else { throw reader.missing("attachments") }
        guard let acceptedAt else { throw reader.missing("acceptedAt") }
        self.init(
            packageId: packageId,
            sender: sender,
            receiver: receiver,
            flow: flow,
            messageType: messageType,
            unifiedCaseCode: unifiedCaseCode,
            agencyCaseNumber: agencyCaseNumber,
            contentSHA256: contentSHA256,
            contentSize: contentSize,
            attachments: attachments,
            acceptedAt: acceptedAt,
            content: content,
            signature: signature
        )
    }
}

extension FeedEntry: JSONReadable {
    public init(json reader: inout JSONReader) throws(JSONReader.Failure) {
        var seq: Int?
        var kind: Kind?
        var delivery: Delivery?
        var event: PackageEvent?
        var reminder: DeadlineReminder?
        var treeHead: Evidence.TreeHead?
        try reader.readObject { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
            switch key {
            case "seq": seq = try reader.readInt()
            case "kind":
                let text = try reader.readString()
                guard let value = Kind(rawValue: text) else { throw reader.invalid("kind", text) }
                kind = value
            case "delivery":
                delivery = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in try reader.read(Delivery.self) }
            case "event":
                event = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in try reader.read(PackageEvent.self) }
            // A reminder or a tree head comes a few times a day, not per package: Foundation's decoder reads them.
            case "reminder":
                reminder = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in
                    try reader.readDecodable(DeadlineReminder.self)
                }
            case "treeHead":
                treeHead = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in
                    try reader.readDecodable(Evidence.TreeHead.self)
                }
            default: try reader.skipValue()
            }
        }
        guard let seq else { throw reader.missing("seq") }
        guard let kind else { throw reader.missing("kind") }
        self.init(seq: seq, kind: kind, delivery: delivery, event: event, reminder: reminder, treeHead: treeHead)
    }
}

extension FeedEntry {
    init(seq: Int, kind: Kind, delivery: Delivery?, event: PackageEvent?, reminder: DeadlineReminder?, treeHead: Evidence.TreeHead?) {
        self.seq = seq
        self.kind = kind
        self.delivery = delivery
        self.event = event
        self.reminder = reminder
        self.treeHead = treeHead
    }
}
