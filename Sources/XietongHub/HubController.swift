import Hummingbird
import Logging
import XietongCore
import XietongHTTP
import XietongStore
import XietongTrust

/// The hub's HTTP interface (docs/protocol.md): who may call which group of routes, and the controller that answers
/// each. The caller is identified once per request (`HubAccess.identify`); each group's guard refuses the others,
/// so the handlers only answer.
struct HubController: Sendable {
    let organisation: String
    let reserve: DiskReserve
    let access: HubAccess
    let intake: IntakeController
    let blobs: BlobController
    let feed: FeedController
    let caseData: CaseDataController
    let admin: AdminController
    let supervision: SupervisionController
    let search: SearchController
    let reports: FilingReportController
    let arraignment: ArraignmentController
    let similar: SimilarCasesController
    let evidence: EvidenceController
    let console: HubConsole
    let operations: OperationsRoutes
    /// The committee's supervision of peer hubs that grant it (issue 23).
    let peerSupervision: PeerSupervisionController

    init(
        configuration: HubConfiguration,
        registry: OrganisationRegistry,
        intake: PackageIntake,
        store: HubStore,
        blobs: BlobStore,
        notifier: ChangeNotifier,
        signer: HubSigner,
        metrics: ServiceMetrics,
        tracing: PackageTracing,
        peerClients: [String: HubClient] = [:],
        reportKinds: FilingReportKinds,
        operations: OperationsRoutes,
        logger: Logger
    ) {
        let sessions = ConsoleSessions()
        let activity = NodeActivity()
        let reads = ReadAccess(store: store)
        let nodes = NodeOverview(store: store, nodes: configuration.nodes.map(\.organisation), activity: activity)
        let links = LinkOverview(
            store: store,
            peers: configuration.peers.map { ($0.name, $0.organisation, $0.url) },
            activity: activity,
            alertAfter: configuration.linkAlertAfterSeconds
        )
        HubMetrics.install(
            metrics,
            store: store,
            overview: nodes,
            links: links,
            dueSoonDays: configuration.reminderDaysBefore.max() ?? 2,
            logger: logger
        )
        let reserve = configuration.diskReserve
        self.organisation = configuration.organisation
        self.reserve = reserve
        self.access = HubAccess(configuration: configuration, sessions: sessions)
        self.intake = IntakeController(reserve: reserve, intake: intake, store: store, signer: signer, logger: logger)
        self.blobs = BlobController(reserve: reserve, blobs: blobs, metrics: metrics)
        self.feed = FeedController(store: store, notifier: notifier, activity: activity, logger: logger, tracing: tracing)
        self.caseData = CaseDataController(store: store, reads: reads)
        self.admin = AdminController(store: store, nodes: nodes, links: links)
        self.supervision = SupervisionController(store: store, reads: reads)
        let search = SearchController(store: store, reads: reads)
        self.search = search
        let reports = FilingReportController(store: store, registry: registry, kinds: reportKinds, reads: reads)
        self.reports = reports
        let arraignment = ArraignmentController(store: store, registry: registry, reads: reads)
        self.arraignment = arraignment
        let similar = SimilarCasesController(store: store, reads: reads)
        self.similar = similar
        self.evidence = EvidenceController(store: store, reads: reads)
        self.console = HubConsole(
            store: store,
            registry: registry,
            sessions: sessions,
            credentials: configuration.credentials,
            secure: configuration.tls != nil,
            nodes: nodes,
            links: links,
            searcher: search,
            reports: reports,
            arraignment: arraignment,
            similar: similar
        )
        self.operations = operations
        self.peerSupervision = PeerSupervisionController(clients: peerClients, reads: reads)
    }

    func addRoutes(to router: Router<PeerRequestContext>) {
        // Before the routes: a route takes the middleware added before it.
        router.add(middleware: self.access.identify)
        // A JSON body over its route's limit answers 413 request.too-large (issue 22).
        router.add(middleware: RequestTooLarge())
        // Liveness, readiness, version and metrics (issue 22).
        self.operations.addRoutes(to: router)
        let nodes = router.group().add(middleware: self.access.node)
        let known = router.group().add(middleware: self.access.known)
        let supervisorsAndNodes = router.group().add(middleware: self.access.supervisorOrNode)
        let supervisors = router.group().add(middleware: self.access.supervisorOrConsole)
        let administrators = router.group().add(middleware: self.access.administrator)
        let administratorsOrConsole = router.group().add(middleware: self.access.administratorOrConsole)
        self.intake.addRoutes(to: nodes)
        self.blobs.addRoutes(to: nodes)
        self.feed.addRoutes(to: nodes)
        self.caseData.addRoutes(known: known, supervisorsAndNodes: supervisorsAndNodes)
        self.similar.addRoutes(supervisorsAndNodes: supervisorsAndNodes)
        self.supervision.addRoutes(supervisors: supervisors, nodes: nodes)
        self.peerSupervision.addRoutes(supervisors: supervisors)
        self.search.addRoutes(supervisors: supervisors)
        self.reports.addRoutes(nodes: nodes, supervisors: supervisors)
        self.arraignment.addRoutes(nodes: nodes, supervisors: supervisors)
        self.evidence.addRoutes(
            known: known,
            administrators: administrators,
            auditors: router.group().add(middleware: self.access.auditor),
            witnesses: router.group().add(middleware: self.access.witness)
        )
        self.admin.addRoutes(administrators: administrators, administratorsOrConsole: administratorsOrConsole)
        // The console's pages ask for a session of their own (issue 7).
        self.console.addRoutes(to: router)
        // Last: a known path with another method answers 405, an unknown one 404, both in JSON (issue 22).
        router.add(middleware: UnmatchedRequests(router))
    }
}
