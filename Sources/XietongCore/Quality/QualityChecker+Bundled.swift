extension QualityChecker {
    /// A checker with the shipped catalog, code sets and schemas, and the given registry.
    public static func bundled(registry: OrganisationRegistry, catalog: FlowCatalog? = nil) throws(ConfigurationError) -> QualityChecker {
        let resolved: FlowCatalog
        if let catalog { resolved = catalog } else { resolved = try FlowCatalog.bundled() }
        let codeSets = try CodeSets.bundled()
        let schemas = try SchemaSet.bundled()
        return QualityChecker(catalog: resolved, registry: registry, codeSets: codeSets, schemas: schemas)
    }
}
