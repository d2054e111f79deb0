-- The sandbox's state. Every row belongs to a tenant; every query filters on it first.
-- Money is stored as the 2-decimal text the API shows; `amount_minor` (whole cents) exists to sort by.

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS tenants (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    street         TEXT NOT NULL,
    postal_code    TEXT NOT NULL,
    city           TEXT NOT NULL,
    country        TEXT NOT NULL,
    email          TEXT,
    vat_number     TEXT,
    currency       TEXT NOT NULL,
    today_override TEXT
);

CREATE TABLE IF NOT EXISTS customers (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    email       TEXT,
    currency    TEXT NOT NULL,
    vat_number  TEXT,
    street      TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    city        TEXT NOT NULL,
    country     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS customers_by_name ON customers (tenant_id, name, id);

CREATE TABLE IF NOT EXISTS contacts (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    email       TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS contacts_by_customer ON contacts (tenant_id, customer_id, created_at);

CREATE TABLE IF NOT EXISTS products (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT
);
CREATE INDEX IF NOT EXISTS products_by_name ON products (tenant_id, name, id);

CREATE TABLE IF NOT EXISTS prices (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    product_id TEXT NOT NULL,
    name       TEXT NOT NULL,
    unit_price TEXT NOT NULL,
    currency   TEXT NOT NULL,
    vat_rate   TEXT NOT NULL,
    line_type  TEXT NOT NULL,
    status     TEXT NOT NULL,
    position   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS prices_by_product ON prices (tenant_id, product_id, position);

CREATE TABLE IF NOT EXISTS documents (
    id                       TEXT PRIMARY KEY,
    tenant_id                TEXT NOT NULL,
    kind                     TEXT NOT NULL,
    status                   TEXT NOT NULL,
    document_number          TEXT,
    number_seq               INTEGER,
    date                     TEXT NOT NULL,
    valid_until              TEXT,
    due_date                 TEXT,
    currency                 TEXT NOT NULL,
    reference                TEXT,
    our_reference            TEXT,
    notes                    TEXT,
    customer_id              TEXT NOT NULL,
    customer_contact_id      TEXT,
    customer_department_id   TEXT,
    source_document_id       TEXT,
    converted_to_document_id TEXT,
    converted_to_invoice_id  TEXT,
    subtotal                 TEXT NOT NULL,
    vat                      TEXT NOT NULL,
    amount                   TEXT NOT NULL,
    amount_minor             INTEGER NOT NULL,
    sent_at                  TEXT,
    created_at               TEXT NOT NULL,
    updated_at               TEXT NOT NULL,
    version                  INTEGER NOT NULL DEFAULT 1,
    -- The display status minus the one state that depends on today (expired): what the status filter
    -- narrows on through an index before the date comparison.
    base_state TEXT GENERATED ALWAYS AS (
        CASE WHEN converted_to_document_id IS NOT NULL OR converted_to_invoice_id IS NOT NULL
             THEN 'converted' ELSE status END
    ) VIRTUAL
);
-- One index per sort order (each ending in the created_at, id tie-break), plus the two filters.
CREATE INDEX IF NOT EXISTS documents_by_created ON documents (tenant_id, kind, created_at, id);
CREATE INDEX IF NOT EXISTS documents_by_date ON documents (tenant_id, kind, date, created_at, id);
CREATE INDEX IF NOT EXISTS documents_by_number ON documents (tenant_id, kind, number_seq, created_at, id);
CREATE INDEX IF NOT EXISTS documents_by_amount ON documents (tenant_id, kind, amount_minor, created_at, id);
CREATE INDEX IF NOT EXISTS documents_by_status ON documents (tenant_id, kind, status, created_at, id);
CREATE INDEX IF NOT EXISTS documents_by_valid_until ON documents (tenant_id, kind, valid_until, created_at, id);
CREATE INDEX IF NOT EXISTS documents_by_state
    ON documents (tenant_id, kind, base_state, created_at, id, valid_until);
CREATE INDEX IF NOT EXISTS documents_by_customer ON documents (tenant_id, kind, customer_id, created_at, id);
CREATE INDEX IF NOT EXISTS documents_by_customer_state
    ON documents (tenant_id, kind, customer_id, base_state, created_at, id, valid_until);

-- Running counts per (tenant, type, base state, validUntil of a sent document), kept by the triggers below,
-- so a list's `total` sums a handful of rows instead of counting every matching document.
CREATE TABLE IF NOT EXISTS document_tallies (
    tenant_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    base_state  TEXT NOT NULL,
    valid_until TEXT NOT NULL, -- '' unless base_state is 'sent' (the only state that can turn expired)
    n           INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, kind, base_state, valid_until)
) WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS documents_tally_insert AFTER INSERT ON documents BEGIN
    INSERT INTO document_tallies (tenant_id, kind, base_state, valid_until, n)
    VALUES (NEW.tenant_id, NEW.kind, NEW.base_state,
            CASE WHEN NEW.base_state = 'sent' THEN coalesce(NEW.valid_until, '') ELSE '' END, 1)
    ON CONFLICT (tenant_id, kind, base_state, valid_until) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER IF NOT EXISTS documents_tally_delete AFTER DELETE ON documents BEGIN
    UPDATE document_tallies SET n = n - 1
    WHERE tenant_id = OLD.tenant_id AND kind = OLD.kind AND base_state = OLD.base_state
      AND valid_until = CASE WHEN OLD.base_state = 'sent' THEN coalesce(OLD.valid_until, '') ELSE '' END;
END;

CREATE TRIGGER IF NOT EXISTS documents_tally_update
AFTER UPDATE OF status, valid_until, converted_to_document_id, converted_to_invoice_id ON documents BEGIN
    UPDATE document_tallies SET n = n - 1
    WHERE tenant_id = OLD.tenant_id AND kind = OLD.kind AND base_state = OLD.base_state
      AND valid_until = CASE WHEN OLD.base_state = 'sent' THEN coalesce(OLD.valid_until, '') ELSE '' END;
    INSERT INTO document_tallies (tenant_id, kind, base_state, valid_until, n)
    VALUES (NEW.tenant_id, NEW.kind, NEW.base_state,
            CASE WHEN NEW.base_state = 'sent' THEN coalesce(NEW.valid_until, '') ELSE '' END, 1)
    ON CONFLICT (tenant_id, kind, base_state, valid_until) DO UPDATE SET n = n + 1;
END;

CREATE TABLE IF NOT EXISTS document_lines (
    id          TEXT PRIMARY KEY,
    document_id TEXT NOT NULL,
    position    INTEGER NOT NULL,
    price_id    TEXT,
    description TEXT NOT NULL,
    line_type   TEXT NOT NULL,
    quantity    TEXT NOT NULL,
    unit_price  TEXT NOT NULL,
    vat_rate    TEXT NOT NULL,
    total_price TEXT NOT NULL,
    vat_amount  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS lines_by_document ON document_lines (document_id, position);

-- Next number per tenant and document type: bumped inside the send transaction, so numbers are gap-free.
CREATE TABLE IF NOT EXISTS counters (
    tenant_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    next_value INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, kind)
);

CREATE TABLE IF NOT EXISTS outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    tenant_id       TEXT NOT NULL,
    to_email        TEXT NOT NULL,
    subject         TEXT NOT NULL,
    document_type   TEXT NOT NULL,
    document_id     TEXT NOT NULL,
    document_number TEXT,
    pdf_bytes       INTEGER NOT NULL,
    sent_at         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_by_tenant ON outbox (tenant_id, seq);

CREATE TABLE IF NOT EXISTS events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    tenant_id     TEXT NOT NULL,
    topic         TEXT NOT NULL,
    document_type TEXT NOT NULL,
    document_id   TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    payload       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_tenant ON events (tenant_id, seq);
