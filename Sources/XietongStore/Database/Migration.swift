/// One forward-only schema change. Versions are applied in order and recorded in `schema_migrations`.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}

/// The store's migrations. The SQL is written to run unchanged on SQLite and PostgreSQL.
public enum Migrations {
    public static let all: [Migration] = [
        Migration(
            version: 1,
            name: "unified code sequences",
            statements: [
                """
                CREATE TABLE code_sequences (
                    organisation_code TEXT NOT NULL,
                    day TEXT NOT NULL,
                    last_value BIGINT NOT NULL,
                    PRIMARY KEY (organisation_code, day)
                )
                """
            ]
        )
    ]
}
