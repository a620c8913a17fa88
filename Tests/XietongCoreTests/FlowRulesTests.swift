import Testing
import XietongCore

/// The flow engine's rules (issue 5, GS-2 "non-compliant cases cannot flow"), on every flow of the catalog: each
/// valid path from an opening message to a closing one is accepted step by step, and out-of-order, closed, foreign
/// and unknown references are refused with their findings.
@Suite struct FlowRulesTests {
    static let catalog = try! FlowCatalog.bundled()
    static let registry = try! OrganisationRegistry.demo()
    static let rules = FlowRules(catalog: Self.catalog, registry: Self.registry)
    static let caseCode = "20261120110133010600010100000003"
    static let sender = "330106000101"
    static let receiver = "330106000201"

    static func envelope(_ flow: String, _ type: String, id: String, replyTo: String?, from sender: String = Self.sender) -> CasePackage.Envelope {
        CasePackage.Envelope(
            packageId: id,
            idempotencyKey: id,
            flow: flow,
            messageType: type,
            inReplyTo: replyTo,
            sender: .init(organisationCode: sender, agencyCode: "1101"),
            receiver: .init(organisationCode: Self.receiver, agencyCode: "1201"),
            agencyCaseNumber: "x",
            createdAt: "2026-11-20T09:00:00+08:00"
        )
    }

    static func step(_ flow: String, _ type: String, id: String, instance: String, closed: Bool = false, caseCode: String = Self.caseCode) -> FlowStep
    {
        FlowStep(
            packageId: id,
            instanceId: instance,
            caseCode: caseCode,
            flow: flow,
            messageType: type,
            sender: Self.sender,
            receiver: Self.receiver,
            instanceClosed: closed
        )
    }

    /// A shortest chain of messages from one that opens the flow to one that closes it, following `answers`.
    static func pathToClose(_ flow: Flow) -> [MessageType]? {
        var queue: [[MessageType]] = flow.messages.filter(\.startsFlow).map { [$0] }
        var seen = Set(queue.map { $0[0].id })
        while !queue.isEmpty {
            let path = queue.removeFirst()
            if path.last!.closes == .flow { return path }
            for next in flow.messages where next.answers.contains(path.last!.id) && !seen.contains(next.id) {
                seen.insert(next.id)
                queue.append(path + [next])
            }
        }
        return nil
    }

    @Test(arguments: Self.catalog.flows.map(\.id))
    func everyFlowHasAValidPathThatOpensAndClosesIt(flowId: String) throws {
        let flow = try #require(Self.catalog.flow(flowId))
        let path = try #require(Self.pathToClose(flow), "no chain of answers in \(flowId) reaches a closing message")
        var previous: FlowStep?
        var instance = ""
        for (index, message) in path.enumerated() {
            let id = "\(flowId)-\(index)"
            // Replies alternate between the two parties, as the catalog's flows do; either party may answer.
            let from = index % 2 == 0 ? Self.sender : Self.receiver
            let decision = Self.rules.decide(
                Self.envelope(flowId, message.id, id: id, replyTo: previous?.packageId, from: from),
                caseCodes: [Self.caseCode],
                answering: previous
            )
            let closes = message.closes == .flow
            if index == 0 {
                #expect(decision == .opens(closes: closes), "\(flowId): \(message.id) should open the flow")
                instance = id
            } else {
                #expect(decision == .continues(instanceId: instance, closes: closes), "\(flowId): \(message.id) should continue it")
            }
            previous = FlowStep(
                packageId: id,
                instanceId: instance,
                caseCode: Self.caseCode,
                flow: flowId,
                messageType: message.id,
                sender: from,
                receiver: from == Self.sender ? Self.receiver : Self.sender,
                instanceClosed: closes
            )
        }
        // After the closing message, no answer is taken.
        let closing = try #require(path.last)
        if let answer = flow.messages.first(where: { $0.answers.contains(closing.id) }) {
            let decision = Self.rules.decide(
                Self.envelope(flowId, answer.id, id: "late", replyTo: previous?.packageId, from: Self.receiver),
                caseCodes: [Self.caseCode],
                answering: previous
            )
            #expect(Self.code(decision) == .flowClosed)
        }
    }

    @Test(arguments: Self.catalog.flows.map(\.id))
    func everyFlowRefusesAnAnswerToTheWrongMessage(flowId: String) throws {
        let flow = try #require(Self.catalog.flow(flowId))
        let replies = flow.messages.filter { !$0.startsFlow }
        try #require(!replies.isEmpty, "\(flowId) has no replies")
        var refusedOne = false
        for reply in replies {
            // A message of the flow that this reply does not answer.
            guard let wrong = flow.messages.first(where: { !reply.answers.contains($0.id) }) else { continue }
            let decision = Self.rules.decide(
                Self.envelope(flowId, reply.id, id: "r", replyTo: "w", from: Self.receiver),
                caseCodes: [Self.caseCode],
                answering: Self.step(flowId, wrong.id, id: "w", instance: "w")
            )
            #expect(Self.code(decision) == .flowOutOfOrder, "\(flowId): \(reply.id) answering \(wrong.id)")
            refusedOne = true
        }
        #expect(refusedOne)
    }

    @Test func aDenialMustAnswerAnOpenArrestRequestOfTheSameCase() {
        let denial = Self.envelope("arrestApproval", "arrestDenialDecision", id: "d", replyTo: "r", from: Self.receiver)
        let request = Self.step("arrestApproval", "arrestRequest", id: "r", instance: "r")
        // A denial continues the flow (the police's receipt closes it).
        #expect(Self.rules.decide(denial, caseCodes: [Self.caseCode], answering: request) == .continues(instanceId: "r", closes: false))
        // The hub has no such request.
        #expect(Self.code(Self.rules.decide(denial, caseCodes: [Self.caseCode], answering: nil)) == .flowUnknownReference)
        // A request of another case: refused, unless that case's code is among the reply's related codes.
        let other = Self.step("arrestApproval", "arrestRequest", id: "r", instance: "r", caseCode: "20261120110133010600010100000099")
        #expect(Self.code(Self.rules.decide(denial, caseCodes: [Self.caseCode], answering: other)) == .flowOtherCase)
        #expect(
            Self.rules.decide(denial, caseCodes: [Self.caseCode, "20261120110133010600010100000099"], answering: other)
                == .continues(instanceId: "r", closes: false)
        )
        // A request of another flow.
        let transfer = Self.step("prosecutionTransfer", "prosecutionTransfer", id: "r", instance: "r")
        #expect(Self.code(Self.rules.decide(denial, caseCodes: [Self.caseCode], answering: transfer)) == .flowOutOfOrder)
        // Another procuratorate than the one asked (the city's): a party of the flow can decide, so it may not.
        let stranger = Self.envelope("arrestApproval", "arrestDenialDecision", id: "d", replyTo: "r", from: "330100000201")
        #expect(Self.code(Self.rules.decide(stranger, caseCodes: [Self.caseCode], answering: request)) == .flowNotAParty)
        // An authority no party can stand for joins: the prison administration decides on a prison's proposal
        // copied to the procuratorate (暂予监外执行).
        let proposal = FlowStep(
            packageId: "p",
            instanceId: "m",
            caseCode: Self.caseCode,
            flow: "temporaryOutOfPrisonExecution",
            messageType: "outOfPrisonOpinionRequest",
            sender: "330000000501",
            receiver: Self.receiver,
            instanceClosed: false
        )
        let decision = CasePackage.Envelope(
            packageId: "x",
            idempotencyKey: "x",
            flow: "temporaryOutOfPrisonExecution",
            messageType: "outOfPrisonDecision",
            inReplyTo: "p",
            sender: .init(organisationCode: "330000000502", agencyCode: "1502"),
            receiver: .init(organisationCode: "330000000501", agencyCode: "1501"),
            agencyCaseNumber: "x",
            createdAt: "2026-11-20T09:00:00+08:00"
        )
        #expect(Self.rules.decide(decision, caseCodes: [Self.caseCode], answering: proposal) == .continues(instanceId: "m", closes: false))
        // A request whose flow was already closed (the police returned their execution receipt).
        let closed = Self.step("arrestApproval", "arrestRequest", id: "r", instance: "r", closed: true)
        #expect(Self.code(Self.rules.decide(denial, caseCodes: [Self.caseCode], answering: closed)) == .flowClosed)
    }

    static func code(_ decision: FlowDecision) -> FindingCode? {
        if case .refused(let finding) = decision { return finding.code }
        return nil
    }
}
