//! Generated PostgreSQL migration folders shaped like real projects (issue 14): many small
//! files of a few ALTERs and indexes beside long views and PL/pgSQL function bodies, a few
//! large files (an initial schema, a seed), and every valid statement form the parser used
//! to refuse. Deterministic for a seed; written here, not copied from any project. Used by
//! `bench/lint` (speed against squawk) and by the pure lane's corpus tests (unparsed share).

/// A tiny deterministic generator (xorshift64*), so a seed always gives the same corpus.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next number below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const NOUNS: &[&str] = &[
    "account",
    "order",
    "invoice",
    "payment",
    "customer",
    "product",
    "shipment",
    "address",
    "session",
    "event",
    "audit_log",
    "subscription",
    "plan",
    "coupon",
    "review",
    "category",
    "warehouse",
    "stock_item",
    "refund",
    "notification",
];
const COLUMNS: &[(&str, &str)] = &[
    ("name", "text NOT NULL"),
    ("email", "varchar(255)"),
    ("status", "varchar(32) NOT NULL DEFAULT 'pending'"),
    ("amount", "numeric(12,2) NOT NULL DEFAULT 0"),
    ("quantity", "integer NOT NULL DEFAULT 1"),
    ("notes", "text"),
    ("metadata", "jsonb NOT NULL DEFAULT '{}'::jsonb"),
    ("created_at", "timestamptz NOT NULL DEFAULT now()"),
    ("updated_at", "timestamptz"),
    ("deleted_at", "timestamptz"),
    ("is_active", "boolean NOT NULL DEFAULT true"),
    ("external_ref", "uuid"),
    ("position", "integer"),
    ("currency", "char(3) NOT NULL DEFAULT 'EUR'"),
    ("tags", "text[]"),
];

/// A project: `files` migration files, `(file name, text)`, in version order.
pub fn project(seed: u64, files: usize) -> Vec<(String, String)> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(files);
    for f in 0..files {
        let mut text = String::new();
        let statements = if f == 0 {
            400 // the initial schema
        } else if f % 250 == 125 {
            rng.range(150, 300) // a later large file: a seed or a big refactoring
        } else {
            match rng.below(10) {
                0..=3 => 1,
                4..=6 => rng.range(2, 4),
                7 | 8 => rng.range(5, 12),
                _ => rng.range(13, 30),
            }
        };
        for s in 0..statements {
            statement(&mut rng, f, s, &mut text);
            text.push('\n');
        }
        out.push((format!("{:08}_m{f}.sql", f + 1), text));
    }
    out
}

/// One whole project in one file (each file's statements in order).
pub fn concatenated(project: &[(String, String)], copies: usize) -> String {
    let one: String = project.iter().map(|(_, t)| t.as_str()).collect();
    one.repeat(copies)
}

/// One file of `n` table renames, each a finding.
pub fn renames(n: usize) -> String {
    (0..n)
        .map(|i| format!("ALTER TABLE legacy_{i} RENAME TO archived_{i};\n"))
        .collect()
}

fn table(rng: &mut Rng) -> String {
    format!("{}s", rng.pick(NOUNS))
}

/// One statement of file `f`, number `s`, appended to `out`.
fn statement(rng: &mut Rng, f: usize, s: usize, out: &mut String) {
    let t = table(rng);
    let id = f * 1000 + s;
    let text = match rng.below(100) {
        0..=11 => create_table(rng, &format!("{t}_{id}")),
        12..=21 => format!(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_{t}_{id} ON {t} ({}, created_at DESC) WHERE deleted_at IS NULL;",
            rng.pick(&["status", "customer_id", "external_ref", "name"])
        ),
        22..=31 => {
            let (c, ty) = COLUMNS[rng.below(COLUMNS.len())];
            let ty = ty.split(" NOT NULL").next().unwrap_or(ty);
            format!("ALTER TABLE {t} ADD COLUMN {c}_{id} {ty};")
        }
        32..=37 => view(rng, &t, id),
        38..=43 => function(rng, &t, id),
        44..=47 => format!(
            "CREATE TRIGGER trg_{t}_{id} BEFORE UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION touch_{t}_{}();",
            id.saturating_sub(1)
        ),
        48..=53 => seed(rng, &t, id),
        54..=57 => format!(
            "UPDATE {t} SET status = 'archived' WHERE id BETWEEN {} AND {} AND status = 'closed';",
            id * 1000,
            id * 1000 + 999
        ),
        58..=61 => format!("COMMENT ON COLUMN {t}.status IS 'lifecycle state, see docs/{t}.md';"),
        62..=64 => format!("GRANT SELECT, INSERT, UPDATE ON {t} TO app_rw;"),
        65..=67 => format!(
            "ALTER TABLE {t} ADD CONSTRAINT {t}_{id}_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;"
        ),
        68..=69 => format!("ALTER TABLE {t} VALIDATE CONSTRAINT {t}_{id}_fk;"),
        70..=71 => format!("ALTER TABLE {t} ALTER COLUMN notes SET DEFAULT '';"),
        72..=73 => format!("CREATE TYPE {t}_state_{id} AS ENUM ('new', 'active', 'closed');"),
        74..=75 => format!("CREATE EXTENSION IF NOT EXISTS {};", rng.pick(&["pgcrypto", "citext", "pg_trgm"])),
        76..=77 => format!(
            "CREATE MATERIALIZED VIEW {t}_totals_{id} AS SELECT customer_id AS id, sum(amount) AS total FROM {t} GROUP BY customer_id;\nCREATE UNIQUE INDEX {t}_totals_{id}_id ON {t}_totals_{id} (id);"
        ),
        78..=79 => format!("DROP INDEX CONCURRENTLY IF EXISTS idx_{t}_{};", id.saturating_sub(3)),
        80..=85 => format!("INSERT INTO schema_notes (note) SELECT '{t} ready' WHERE NOT EXISTS (SELECT 1 FROM schema_notes WHERE note = '{t} ready');"),
        86..=91 => format!("ALTER TABLE {t} ALTER COLUMN notes DROP DEFAULT, ALTER COLUMN position TYPE bigint USING position::bigint;"),
        92..=97 => format!(
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_{t}_{id} ON {t} (external_ref) WHERE external_ref IS NOT NULL;"
        ),
        _ => formerly_unparsed(rng, &t, id),
    };
    out.push_str(&text);
}

fn create_table(rng: &mut Rng, name: &str) -> String {
    let mut cols = vec![String::from(
        "    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    )];
    cols.push("    customer_id bigint REFERENCES customers (id)".into());
    for _ in 0..rng.range(4, 18) {
        let (c, ty) = COLUMNS[rng.below(COLUMNS.len())];
        let c = format!("{c}_{}", cols.len());
        cols.push(format!("    {c} {ty}"));
    }
    format!("CREATE TABLE {name} (\n{}\n);", cols.join(",\n"))
}

/// A long view: joins, CASE, a subquery, 40-200 lines.
fn view(rng: &mut Rng, t: &str, id: usize) -> String {
    let mut cols = Vec::new();
    for k in 0..rng.range(20, 120) {
        cols.push(match k % 4 {
            0 => format!("    t.amount * {k} AS amount_{k}"),
            1 => format!("    CASE WHEN t.status = 'open' THEN c.name ELSE coalesce(t.notes, '-') END AS label_{k}"),
            2 => format!("    (SELECT count(*) FROM events e WHERE e.ref_id = t.id AND e.kind = {k}) AS events_{k}"),
            _ => format!("    date_trunc('day', t.created_at) + interval '{k} hours' AS at_{k}"),
        });
    }
    format!(
        "CREATE OR REPLACE VIEW {t}_report_{id} AS\nSELECT\n    t.id,\n{}\nFROM {t} t\n    JOIN customers c ON c.id = t.customer_id\n    LEFT JOIN addresses a ON a.customer_id = c.id AND a.kind = 'billing'\nWHERE t.deleted_at IS NULL\n    AND t.created_at > now() - interval '90 days'\nORDER BY t.created_at DESC;",
        cols.join(",\n")
    )
}

/// A PL/pgSQL function with a 30-150 line body.
fn function(rng: &mut Rng, t: &str, id: usize) -> String {
    let mut body = Vec::new();
    for k in 0..rng.range(10, 50) {
        body.push(match k % 3 {
            0 => format!("    IF NEW.amount > {k} THEN\n        NEW.status := 'large_{k}';\n    END IF;"),
            1 => format!("    SELECT count(*) INTO n FROM {t} WHERE customer_id = NEW.customer_id AND status = 's{k}';"),
            _ => format!("    PERFORM pg_notify('{t}_changed', json_build_object('id', NEW.id, 'step', {k})::text);"),
        });
    }
    let cost = if rng.below(3) == 0 { "\nCOST 100" } else { "" };
    format!(
        "CREATE OR REPLACE FUNCTION touch_{t}_{id}() RETURNS trigger\nLANGUAGE plpgsql{cost}\nAS $$\nDECLARE\n    n integer;\nBEGIN\n    NEW.updated_at := now();\n{}\n    RETURN NEW;\nEND;\n$$;",
        body.join("\n")
    )
}

/// A multi-row INSERT of 5-200 rows.
fn seed(rng: &mut Rng, t: &str, id: usize) -> String {
    let rows: Vec<String> = (0..rng.range(5, 200))
        .map(|k| format!("    ({k}, 'seed {id} row {k}', {}.{:02})", k * 7, k % 100))
        .collect();
    format!(
        "INSERT INTO {t}_seed (position, name, amount) VALUES\n{};",
        rows.join(",\n")
    )
}

/// The valid statement forms sqlparser 0.63 cannot read (issue 14), as real projects write
/// them.
fn formerly_unparsed(rng: &mut Rng, t: &str, id: usize) -> String {
    match rng.below(12) {
        0 => format!("ALTER TABLE {t} ALTER CONSTRAINT {t}_customer_fk DEFERRABLE INITIALLY DEFERRED;"),
        1 => format!("ALTER SEQUENCE {t}_id_seq RENAME TO {t}_{id}_id_seq;"),
        2 => format!("ALTER SEQUENCE {t}_{id}_seq OWNED BY {t}.id;"),
        3 => format!("CREATE STATISTICS {t}_{id}_stats (dependencies) ON customer_id, status FROM {t};"),
        4 => format!("DO $$\nBEGIN\n    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = '{t}_kind_{id}') THEN\n        CREATE TYPE {t}_kind_{id} AS ENUM ('a', 'b');\n    END IF;\nEND\n$$;"),
        5 => format!("ALTER TRIGGER trg_{t}_{id} ON {t} RENAME TO {t}_{id}_touch;"),
        6 => format!("CREATE FUNCTION {t}_{id}_total(p bigint) RETURNS numeric\nLANGUAGE sql STABLE COST 50\nAS $$ SELECT sum(amount) FROM {t} WHERE customer_id = p $$;"),
        7 => format!("CREATE SEQUENCE {t}_{id}_seq AS integer START WITH 1 INCREMENT BY 1;"),
        8 => format!("COMMENT ON TABLE {t} IS $$The {t}, one row per {t} ever made.$$;"),
        9 => format!("ALTER TABLE {t} ALTER COLUMN status SET (n_distinct = 12);"),
        10 => format!("CREATE OR REPLACE RULE {t}_{id}_no_delete AS ON DELETE TO {t} DO INSTEAD NOTHING;"),
        _ => format!("ALTER TABLE {t} ALTER CONSTRAINT {t}_{id}_fk NOT DEFERRABLE;"),
    }
}
