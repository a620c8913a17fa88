import Foundation

/// The checks that need the typed package: code sets, consistency with the catalog and registry, dates in order,
/// references, and the attachments manifest.
struct CheckContext {
    let package: CasePackage
    let checker: QualityChecker
    let now: Date?
    var findings: [Finding] = []

    init(package: CasePackage, checker: QualityChecker, now: Date?) {
        self.package = package
        self.checker = checker
        self.now = now
    }

    private static let envelopePath = "/CasePackage/Envelope"

    mutating func add(_ code: FindingCode, _ path: String, _ severity: Finding.Severity = .error, zh: String, en: String) {
        self.findings.append(Finding(code, severity, at: path, zh: zh, en: en))
    }

    // MARK: Catalog and routing

    mutating func checkCatalogAndRouting() {
        let envelope = self.package.envelope
        let sender = self.organisation(envelope.sender, path: "\(Self.envelopePath)/Sender")
        let receiver = self.organisation(envelope.receiver, path: "\(Self.envelopePath)/Receiver")
        if envelope.sender.organisationCode == envelope.receiver.organisationCode {
            self.add(
                .sameOrganisation,
                "\(Self.envelopePath)/Receiver/OrganisationCode",
                zh: "发送方与接收方不能是同一机构",
                en: "the sender and the receiver must be different organisations"
            )
        }
        guard let flow = self.checker.catalog.flow(envelope.flow) else {
            self.add(
                .codesetFlow,
                "\(Self.envelopePath)/Flow",
                zh: "业务流程“\(envelope.flow)”不在流程目录中",
                en: "the flow '\(envelope.flow)' is not in the flow catalog"
            )
            return
        }
        guard let message = flow.message(envelope.messageType) else {
            self.add(
                .codesetMessageType,
                "\(Self.envelopePath)/MessageType",
                zh: "消息类型“\(envelope.messageType)”不属于流程“\(flow.zh)”",
                en: "the message type '\(envelope.messageType)' is not part of the flow '\(flow.en)'"
            )
            return
        }
        if let sender, !sender.acts(asAnyOf: message.from) {
            let allowed = message.from.map(\.name.zh).joined(separator: "、")
            self.add(
                .senderKind,
                "\(Self.envelopePath)/Sender/OrganisationCode",
                zh: "“\(message.zh)”只能由\(allowed)发送，\(sender.name.zh)是\(sender.kind.name.zh)",
                en:
                    "'\(message.en)' can only be sent by \(message.from.map(\.name.en).joined(separator: ", ")); \(sender.name.en) is a \(sender.kind.name.en)"
            )
        }
        if let receiver, !receiver.acts(asAnyOf: message.to) {
            let allowed = message.to.map(\.name.zh).joined(separator: "、")
            self.add(
                .receiverKind,
                "\(Self.envelopePath)/Receiver/OrganisationCode",
                zh: "“\(message.zh)”只能发送给\(allowed)，\(receiver.name.zh)是\(receiver.kind.name.zh)",
                en:
                    "'\(message.en)' can only be sent to \(message.to.map(\.name.en).joined(separator: ", ")); \(receiver.name.en) is a \(receiver.kind.name.en)"
            )
        }
        if !message.startsFlow && envelope.inReplyTo == nil {
            self.add(
                .startsFlow,
                "\(Self.envelopePath)/InReplyTo",
                zh: "“\(message.zh)”是对先前消息的答复，必须填写 InReplyTo",
                en: "'\(message.en)' answers an earlier message, so InReplyTo is required"
            )
        }
        // A sender limit the hub cannot count for want of its start (issue 20): said, not refused, since the law does
        // not make the package carry it. A message's sender limits are alternatives, each for its own start (a transfer
        // to the second instance counts from the appeal, 刑事诉讼法第231条, or from the end of the protest period,
        // 最高法解释第384条): the package states the start of the one that applies.
        let senderLimits = message.senderLimits
        if !senderLimits.isEmpty, !senderLimits.contains(where: { SenderLimit.startDate(of: $0, in: self.package.body) != nil }) {
            let events = senderLimits.map { SenderLimit.event(of: $0) }
            let limits = senderLimits.map { (zh: "\($0.text.zh)，\($0.basis)", en: "\($0.text.en), \($0.basis)") }
            self.add(
                .limitStartMissing,
                "/CasePackage/Body/Case/KeyDates",
                .warning,
                zh:
                    "“\(message.zh)”有发送方期限（\(limits.map(\.zh).joined(separator: "；"))），起算日期\(events.map { "“\($0)”" }.joined(separator: "或"))未在 KeyDates 中载明，平台无法计算",
                en:
                    "'\(message.en)' has a sender limit (\(limits.map(\.en).joined(separator: "; "))) counted from \(events.map { "'\($0)'" }.joined(separator: " or ")), which KeyDates does not state: the hub cannot count it"
            )
        }
        let category = self.package.body.caseInfo.category
        if category != flow.category.rawValue {
            self.add(
                .categoryMismatch,
                "/CasePackage/Body/Case/Category",
                .warning,
                zh: "案件类别“\(category)”与流程类别“\(flow.category.rawValue)”不一致",
                en: "the case category '\(category)' differs from the flow's category '\(flow.category.rawValue)'"
            )
        }
    }

    private mutating func organisation(_ party: CasePackage.Party, path: String) -> Organisation? {
        guard let organisation = self.checker.registry[party.organisationCode] else {
            self.add(
                .codesetOrganisation,
                "\(path)/OrganisationCode",
                zh: "组织机构代码 \(party.organisationCode) 未在平台注册",
                en: "the organisation code \(party.organisationCode) is not registered on the platform"
            )
            return nil
        }
        if organisation.agencyCode != party.agencyCode {
            self.add(
                .codesetAgencyCode,
                "\(path)/AgencyCode",
                zh: "协同机关代码应为 \(organisation.agencyCode)（\(organisation.name.zh)），实为 \(party.agencyCode)",
                en: "the collaborating-agency code of \(organisation.name.en) is \(organisation.agencyCode), not \(party.agencyCode)"
            )
        }
        return organisation
    }

    // MARK: Codes

    mutating func checkCaseCodes() {
        let envelope = self.package.envelope
        if let text = envelope.unifiedCaseCode {
            let path = "\(Self.envelopePath)/UnifiedCaseCode"
            do {
                let code = try UnifiedCaseCode(text)
                if code.organisationCode != envelope.sender.organisationCode || code.agencyCode != envelope.sender.agencyCode {
                    self.add(
                        .caseCodeSender,
                        path,
                        zh:
                            "统一赋码中的机构（\(code.agencyCode)/\(code.organisationCode)）与发送方（\(envelope.sender.agencyCode)/\(envelope.sender.organisationCode)）不一致",
                        en:
                            "the unified code names \(code.agencyCode)/\(code.organisationCode), but the sender is \(envelope.sender.agencyCode)/\(envelope.sender.organisationCode)"
                    )
                }
                if let created = DateValue.dateTime(envelope.createdAt), code.date > DateValue.chinaDay(created) {
                    self.add(
                        .dateOrder,
                        path,
                        zh: "统一赋码日期 \(code.date) 晚于数据包创建时间",
                        en: "the unified code's date \(code.date) is later than the package's creation time"
                    )
                }
            } catch {
                self.add(.unifiedCode, path, zh: error.message.zh, en: error.message.en)
            }
        }
        for (index, text) in self.package.body.caseInfo.relatedCaseCodes.enumerated() {
            do {
                _ = try UnifiedCaseCode(text)
            } catch {
                self.add(.unifiedCode, "/CasePackage/Body/Case/RelatedCaseCodes/CaseCode[\(index + 1)]", zh: error.message.zh, en: error.message.en)
            }
        }
        let division = self.package.body.caseInfo.division
        if !self.checker.codeSets.division.contains(division) {
            self.add(
                .codesetDivision,
                "/CasePackage/Body/Case/Division",
                zh: "行政区划代码 \(division) 不在 GB/T 2260 代码集中",
                en: "the division code \(division) is not in GB/T 2260"
            )
        }
    }

    mutating func checkPersons() {
        for (index, person) in self.package.body.persons.enumerated() {
            let path = "/CasePackage/Body/Persons/Person[\(index + 1)]"
            if !self.checker.codeSets.gender.contains(person.gender) {
                self.add(
                    .codesetGender,
                    "\(path)/Gender",
                    zh: "性别代码“\(person.gender)”不在 GB/T 2261.1 代码集中（0、1、2、9）",
                    en: "the gender code '\(person.gender)' is not in GB/T 2261.1 (0, 1, 2, 9)"
                )
            }
            if let ethnicity = person.ethnicity, !self.checker.codeSets.ethnicity.contains(ethnicity) {
                self.add(
                    .codesetEthnicity,
                    "\(path)/Ethnicity",
                    zh: "民族代码“\(ethnicity)”不在 GB/T 3304 代码集中",
                    en: "the ethnicity code '\(ethnicity)' is not in GB/T 3304"
                )
            }
            if let residence = person.residence, !self.checker.codeSets.division.contains(residence) {
                self.add(
                    .codesetDivision,
                    "\(path)/Residence",
                    zh: "行政区划代码 \(residence) 不在 GB/T 2260 代码集中",
                    en: "the division code \(residence) is not in GB/T 2260"
                )
            }
            guard let number = person.idCardNumber else { continue }
            let numberPath = "\(path)/IdCardNumber"
            switch ResidentIDNumber.problem(in: number) {
            case .none:
                let id = ResidentIDNumber(number)!
                if let birth = person.birthDate, let date = CalendarDate(iso: birth), date != id.birthDate {
                    self.add(
                        .idCardMismatch,
                        "\(path)/BirthDate",
                        zh: "出生日期 \(birth) 与身份证号中的 \(id.birthDate) 不一致",
                        en: "the birth date \(birth) differs from \(id.birthDate) in the ID-card number"
                    )
                }
                if ["1", "2"].contains(person.gender), person.gender != id.genderCode {
                    self.add(.idCardMismatch, "\(path)/Gender", zh: "性别与身份证号不一致", en: "the gender differs from the one encoded in the ID-card number")
                }
            case .checksum(let expected):
                self.add(
                    .idCardChecksum,
                    numberPath,
                    zh: "身份证号 \(number) 校验码错误（应为 \(expected)）",
                    en: "the ID-card number \(number) has a wrong check character (expected \(expected))"
                )
            case .province:
                self.add(.idCardFormat, numberPath, zh: "身份证号 \(number) 的省级代码无效", en: "the ID-card number \(number) has no valid province code")
            case .birthDate:
                self.add(.idCardFormat, numberPath, zh: "身份证号 \(number) 中的出生日期无效", en: "the ID-card number \(number) contains an invalid birth date")
            case .format:
                self.add(.idCardFormat, numberPath, zh: "身份证号应为 17 位数字加 1 位校验码", en: "an ID-card number is 17 digits and a check character")
            }
        }
    }

    // MARK: References and dates

    mutating func checkReferencesAndDates() {
        let body = self.package.body
        let created = DateValue.dateTime(self.package.envelope.createdAt)
        if let now = self.now, let created {
            let createdInstant = DateValue.instant(created)
            if createdInstant > now.addingTimeInterval(24 * 3600) {
                self.add(.dateOrder, "\(Self.envelopePath)/CreatedAt", zh: "创建时间晚于当前时间一天以上", en: "the creation time is more than a day in the future")
            }
        }
        // The package's dates are China calendar dates: compare them with the China day of its creation.
        let createdDay = created.map(DateValue.chinaDay)
        func notAfterCreation(_ text: String?, _ path: String, _ zh: String, _ en: String) {
            guard let text, let date = CalendarDate(iso: text), let createdDay, date > createdDay else { return }
            self.add(
                .dateOrder,
                path,
                zh: "\(zh) \(text) 晚于数据包创建日期 \(createdDay)",
                en: "\(en) \(text) is after the package's creation date \(createdDay)"
            )
        }
        notAfterCreation(body.caseInfo.filedOn, "/CasePackage/Body/Case/FiledOn", "立案日期", "the filing date")
        // A key date is a past event, except the hearing and an extension's last day, which lie ahead (issue 20).
        for (index, keyDate) in body.caseInfo.keyDates.enumerated() where !CasePackage.KeyDate.ahead.contains(keyDate.event) {
            notAfterCreation(keyDate.date, "/CasePackage/Body/Case/KeyDates/KeyDate[\(index + 1)]/Date", "关键日期", "the key date")
        }

        let personIds = self.uniqueIds(body.persons.map(\.id), path: "/CasePackage/Body/Persons/Person", what: ("人员", "person"))
        for (index, person) in body.persons.enumerated() {
            let path = "/CasePackage/Body/Persons/Person[\(index + 1)]/BirthDate"
            guard let birth = person.birthDate.flatMap(CalendarDate.init(iso:)) else { continue }
            if let filed = body.caseInfo.filedOn.flatMap(CalendarDate.init(iso:)), birth > filed {
                self.add(.dateOrder, path, zh: "出生日期晚于立案日期", en: "the birth date is after the filing date")
            }
            notAfterCreation(person.birthDate, path, "出生日期", "the birth date")
        }
        for (index, charge) in body.charges.enumerated() where !personIds.contains(charge.personRef) {
            self.dangling("/CasePackage/Body/Charges/Charge[\(index + 1)]/@personRef", charge.personRef, ("人员", "person"))
        }
        for (index, sentence) in body.sentences.enumerated() where !personIds.contains(sentence.personRef) {
            self.dangling("/CasePackage/Body/Sentences/Sentence[\(index + 1)]/@personRef", sentence.personRef, ("人员", "person"))
        }
        for (index, measure) in body.coerciveMeasures.enumerated() {
            let path = "/CasePackage/Body/CoerciveMeasures/CoerciveMeasure[\(index + 1)]"
            if !personIds.contains(measure.personRef) {
                self.dangling("\(path)/@personRef", measure.personRef, ("人员", "person"))
            }
            if let start = CalendarDate(iso: measure.startDate), let end = measure.endDate.flatMap(CalendarDate.init(iso:)), end < start {
                self.add(.dateOrder, "\(path)/EndDate", zh: "强制措施结束日期早于开始日期", en: "the measure ends before it starts")
            }
            notAfterCreation(measure.startDate, "\(path)/StartDate", "强制措施开始日期", "the measure's start date")
            if let custody = measure.custodyOrganisation, self.checker.registry[custody] == nil {
                self.add(
                    .codesetOrganisation,
                    "\(path)/CustodyOrganisation",
                    zh: "羁押场所 \(custody) 未在平台注册",
                    en: "the custody organisation \(custody) is not registered"
                )
            }
        }
        _ = self.uniqueIds(body.documents.map(\.id), path: "/CasePackage/Body/Documents/Document", what: ("文书", "document"))
        let attachmentIds = self.uniqueIds(
            self.package.attachments.map(\.id),
            path: "/CasePackage/Attachments/Attachment",
            what: ("附件", "attachment")
        )
        for (index, document) in body.documents.enumerated() {
            let path = "/CasePackage/Body/Documents/Document[\(index + 1)]"
            notAfterCreation(document.issuedOn, "\(path)/IssuedOn", "文书日期", "the document date")
            for (refIndex, reference) in document.attachmentRefs.enumerated() where !attachmentIds.contains(reference) {
                self.dangling("\(path)/AttachmentRef[\(refIndex + 1)]", reference, ("附件", "attachment"))
            }
        }
    }

    private mutating func uniqueIds(_ ids: [String], path: String, what: (String, String)) -> Set<String> {
        var seen: Set<String> = []
        for (index, id) in ids.enumerated() where !seen.insert(id).inserted {
            self.add(.duplicateId, "\(path)[\(index + 1)]/@id", zh: "\(what.0)编号“\(id)”重复", en: "the \(what.1) id '\(id)' is used twice")
        }
        return seen
    }

    private mutating func dangling(_ path: String, _ reference: String, _ what: (String, String)) {
        self.add(.dangling, path, zh: "引用的\(what.0)“\(reference)”不存在", en: "the referenced \(what.1) '\(reference)' does not exist")
    }

}
