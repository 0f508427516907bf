//! Galera clusters (MariaDB Galera Cluster, Percona XtraDB Cluster): DDL runs in Total Order
//! Isolation by default, so a statement that rewrites a table stalls writes on every node of
//! the cluster, not only on the table. The findings of the rules that flag table rewrites
//! say so when the linter knows the server is a Galera node (`--server galera`, or read from
//! `--database-url`).

/// The rules whose findings are table rewrites or copies on the MySQL family.
const REWRITES: &[&str] = &[
    "mysql-table-rebuild",
    "mysql-copy-algorithm",
    "column-type-change",
];

const NOTE: &str = "On Galera this runs in Total Order Isolation (wsrep_OSU_method=TOI, the \
    default): every node applies it at the same point of the replication stream and the whole \
    cluster commits no write until it finishes, not only writes to this table. Where the change \
    keeps the rows replication sends compatible (an index, a column added last), run it node by \
    node with wsrep_OSU_method=RSU (each node leaves the cluster's flow while it alters); where \
    the server has Non-Blocking Operations (wsrep_OSU_method=NBO: Percona XtraDB Cluster 8.0, \
    MariaDB Enterprise) only the table is locked; else pt-online-schema-change, which supports \
    Galera (gh-ost does not).";

/// `why`, with the Galera note added for a table rewrite when the server is a Galera node.
pub(super) fn why(galera: bool, rule: &str, why: String) -> String {
    if galera && REWRITES.contains(&rule) {
        format!("{why} {NOTE}")
    } else {
        why
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::report_with;
    use crate::lint::LintOptions;
    use crate::sql::Dialect;

    #[test]
    fn a_rewrite_on_galera_says_the_whole_cluster_stalls() {
        let sql = "ALTER TABLE events ENGINE=InnoDB;";
        let why = |galera: bool| {
            let mut options = LintOptions::new(Dialect::Mariadb);
            options.galera = galera;
            let report = report_with(options, "migration.sql", sql);
            let d = report
                .diagnostics()
                .find(|d| d.rule == "mysql-table-rebuild");
            d.map(|d| d.why.clone()).unwrap()
        };
        assert!(why(true).contains("Total Order Isolation"), "{}", why(true));
        assert!(why(true).contains("RSU"));
        assert!(!why(false).contains("Galera"));
        let other = LintOptions {
            galera: true,
            ..LintOptions::new(Dialect::Mariadb)
        };
        let report = report_with(other, "m.sql", "ALTER TABLE t ADD COLUMN c int NULL;");
        assert!(report.diagnostics().all(|d| !d.why.contains("Galera")));
    }
}
