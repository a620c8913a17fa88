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
        self.init(zh: try reader.required(zh, "zh"), en: try reader.required(en, "en"))
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
            case "severity": severity = try reader.readCase(Severity.self, of: key)
            case "location": location = try reader.readString()
            case "line": line = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in try reader.readInt() }
            case "message": message = try reader.read(LocalizedText.self)
            default: try reader.skipValue()
            }
        }
        self.init(
            FindingCode(rawValue: try reader.required(code, "code")),
            try reader.required(severity, "severity"),
            at: try reader.required(location, "location"),
            line: line,
            try reader.required(message, "message")
        )
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
            case "hop": hop = try reader.readCase(Hop.self, of: key)
            case "at": at = try reader.readString()
            case "organisation": organisation = try reader.readString()
            case "detail": detail = try reader.readOptionalString()
            case "findings": findings = try reader.readOptional([Finding].self)
            default: try reader.skipValue()
            }
        }
        self.init(
            packageId: try reader.required(packageId, "packageId"),
            hop: try reader.required(hop, "hop"),
            at: try reader.required(at, "at"),
            organisation: try reader.required(organisation, "organisation"),
            detail: detail,
            findings: findings
        )
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
            case "status": status = try reader.readCase(Status.self, of: key)
            case "unifiedCaseCode": unifiedCaseCode = try reader.readOptionalString()
            case "codeAssigned": codeAssigned = try reader.readBool()
            case "receivedAt": receivedAt = try reader.readString()
            case "findings": findings = try reader.read([Finding].self)
            case "statusURL": statusURL = try reader.readOptionalString()
            case "hubSignature": hubSignature = try reader.readOptionalString()
            case "hops": hops = try reader.readOptional([PackageEvent].self)
            default: try reader.skipValue()
            }
        }
        self.init(
            packageId: try reader.required(packageId, "packageId"),
            status: try reader.required(status, "status"),
            unifiedCaseCode: unifiedCaseCode,
            codeAssigned: try reader.required(codeAssigned, "codeAssigned"),
            receivedAt: try reader.required(receivedAt, "receivedAt"),
            findings: try reader.required(findings, "findings"),
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
        self.init(
            algorithm: try reader.required(algorithm, "algorithm"),
            signer: try reader.required(signer, "signer"),
            certificate: try reader.required(certificate, "certificate"),
            signature: try reader.required(signature, "signature")
        )
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
        self.init(
            sha256: try reader.required(sha256, "sha256"),
            size: try reader.required(size, "size"),
            name: try reader.required(name, "name"),
            mediaType: try reader.required(mediaType, "mediaType")
        )
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
        var traceparent: String?
        var createdAt: String?
        var answering: FlowStep?
        try reader.readObject { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
            switch key {
            case "answering": answering = try reader.readOptional(FlowStep.self)
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
            case "content": content = try reader.readOptionalString()
            case "signature": signature = try reader.readOptional(PackageSignature.self)
            case "traceparent": traceparent = try reader.readOptionalString()
            case "createdAt": createdAt = try reader.readOptionalString()
            default: try reader.skipValue()
            }
        }
        self.init(
            packageId: try reader.required(packageId, "packageId"),
            sender: try reader.required(sender, "sender"),
            receiver: try reader.required(receiver, "receiver"),
            flow: try reader.required(flow, "flow"),
            messageType: try reader.required(messageType, "messageType"),
            unifiedCaseCode: try reader.required(unifiedCaseCode, "unifiedCaseCode"),
            agencyCaseNumber: try reader.required(agencyCaseNumber, "agencyCaseNumber"),
            contentSHA256: try reader.required(contentSHA256, "contentSHA256"),
            contentSize: try reader.required(contentSize, "contentSize"),
            attachments: try reader.required(attachments, "attachments"),
            acceptedAt: try reader.required(acceptedAt, "acceptedAt"),
            content: content,
            signature: signature,
            traceparent: traceparent,
            createdAt: createdAt,
            answering: answering
        )
    }
}

extension FlowStep: JSONReadable {
    public init(json reader: inout JSONReader) throws(JSONReader.Failure) {
        var fields: [String: String] = [:]
        var closed: Bool?
        var parties: [String]?
        try reader.readObject { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
            switch key {
            case "instanceClosed": closed = try reader.readBool()
            case "instanceParties": parties = try reader.read([String].self)
            case "packageId", "instanceId", "caseCode", "flow", "messageType", "sender", "receiver": fields[key] = try reader.readString()
            default: try reader.skipValue()
            }
        }
        self.init(
            packageId: try reader.required(fields["packageId"], "packageId"),
            instanceId: try reader.required(fields["instanceId"], "instanceId"),
            caseCode: try reader.required(fields["caseCode"], "caseCode"),
            flow: try reader.required(fields["flow"], "flow"),
            messageType: try reader.required(fields["messageType"], "messageType"),
            sender: try reader.required(fields["sender"], "sender"),
            receiver: try reader.required(fields["receiver"], "receiver"),
            instanceClosed: try reader.required(closed, "instanceClosed"),
            instanceParties: Set(parties ?? [])
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
        var booking: BookingNotice?
        var boot: String?
        try reader.readObject { (reader: inout JSONReader, key: String) throws(JSONReader.Failure) in
            switch key {
            case "seq": seq = try reader.readInt()
            case "boot": boot = try reader.readOptionalString()
            case "kind": kind = try reader.readCase(Kind.self, of: key)
            case "delivery": delivery = try reader.readOptional(Delivery.self)
            case "event": event = try reader.readOptional(PackageEvent.self)
            // A reminder or a tree head comes a few times a day, not per package: Foundation's decoder reads them.
            case "reminder":
                reminder = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in
                    try reader.readDecodable(DeadlineReminder.self)
                }
            case "treeHead":
                treeHead = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in
                    try reader.readDecodable(Evidence.TreeHead.self)
                }
            case "booking":
                booking = try reader.readOptional { (reader: inout JSONReader) throws(JSONReader.Failure) in
                    try reader.readDecodable(BookingNotice.self)
                }
            default: try reader.skipValue()
            }
        }
        self.seq = try reader.required(seq, "seq")
        self.kind = try reader.required(kind, "kind")
        self.delivery = delivery
        self.event = event
        self.reminder = reminder
        self.treeHead = treeHead
        self.booking = booking
        self.boot = boot
    }
}
