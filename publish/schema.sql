-- reports.db: built from the archive alone by `nianbao build`. Every row links back to the archived bytes.

CREATE TABLE sites (
    host            TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    admin_code      TEXT NOT NULL,
    province        TEXT,
    city            TEXT,
    county          TEXT,
    cms             TEXT,
    start_urls      TEXT,
    expect_reports  INTEGER
);

CREATE TABLE agencies (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT,
    province    TEXT,
    city        TEXT,
    county      TEXT,
    admin_code  TEXT,
    site        TEXT REFERENCES sites (host)
);

CREATE TABLE documents (
    sha256          TEXT PRIMARY KEY,
    url             TEXT NOT NULL,
    site            TEXT REFERENCES sites (host),
    content_type    TEXT,
    format          TEXT,
    size            INTEGER,
    first_seen      TEXT,
    last_seen       TEXT,
    fetch_count     INTEGER,
    warc_file       TEXT,
    warc_offset     INTEGER,
    warc_record_id  TEXT
);

CREATE TABLE reports (
    id                      TEXT PRIMARY KEY,
    agency_id               TEXT REFERENCES agencies (id),
    agency                  TEXT,
    year                    INTEGER,
    title                   TEXT,
    template                TEXT,
    published_on            TEXT,
    site                    TEXT REFERENCES sites (host),
    province                TEXT,
    city                    TEXT,
    county                  TEXT,
    detail_url              TEXT,
    also_at                 TEXT,
    document_url            TEXT,
    document_sha256         TEXT REFERENCES documents (sha256),
    format                  TEXT,
    method                  TEXT,
    parse_status            TEXT,
    parse_error             TEXT,
    parse_warnings          TEXT,
    cells_count             INTEGER,
    checks_passed           INTEGER,
    checks_failed           INTEGER,
    checks_not_assessable   INTEGER,
    list_title              TEXT,
    version                 INTEGER,
    versions_count          INTEGER,
    first_seen              TEXT,
    last_seen               TEXT,
    changed_after_publication INTEGER,
    first_published_on      TEXT,
    changed_on              TEXT,
    body                    TEXT
);

-- Every version of every report: a new version is new content (text or cells) at the report's URL, never just new
-- bytes. The newest is the reports row; the cells of earlier ones that changed are in cell_changes, and all of an
-- earlier version's bytes are in the archive (document_sha256 -> documents -> WARC).
CREATE TABLE report_versions (
    report_id       TEXT NOT NULL REFERENCES reports (id),
    version         INTEGER NOT NULL,
    document_sha256 TEXT REFERENCES documents (sha256),
    detail_url      TEXT,
    document_url    TEXT,
    first_seen      TEXT,
    last_seen       TEXT,
    superseded_by   INTEGER,
    published_on    TEXT,
    parse_status    TEXT,
    cells_count     INTEGER,
    PRIMARY KEY (report_id, version)
);

-- Per crawl run, the reports that were new, changed (a new version) or gone (after a full sweep).
CREATE TABLE changes (
    run_id        TEXT NOT NULL,
    report_id     TEXT NOT NULL REFERENCES reports (id),
    change        TEXT NOT NULL,
    version       INTEGER NOT NULL,
    site          TEXT,
    agency_id     TEXT REFERENCES agencies (id),
    agency        TEXT,
    year          INTEGER,
    detail_url    TEXT,
    document_url  TEXT,
    cells         TEXT,
    PRIMARY KEY (run_id, report_id, change, version)
);

CREATE TABLE cell_changes (
    run_id      TEXT NOT NULL,
    report_id   TEXT NOT NULL REFERENCES reports (id),
    table_key   TEXT NOT NULL,
    row_key     TEXT NOT NULL,
    column_key  TEXT NOT NULL,
    old_value   NUMERIC,
    new_value   NUMERIC,
    old_raw     TEXT,
    new_raw     TEXT,
    PRIMARY KEY (run_id, report_id, table_key, row_key, column_key)
);

CREATE TABLE cells (
    report_id     TEXT NOT NULL REFERENCES reports (id),
    table_key     TEXT NOT NULL,
    row_key       TEXT NOT NULL,
    column_key    TEXT NOT NULL,
    row_label     TEXT,
    column_label  TEXT,
    value         NUMERIC,
    raw           TEXT,
    unit          TEXT,
    value_yuan    NUMERIC,
    position      INTEGER NOT NULL,
    method        TEXT,
    confidence    REAL,
    PRIMARY KEY (report_id, table_key, row_key, column_key)
);

CREATE TABLE extra_rows (
    report_id   TEXT NOT NULL REFERENCES reports (id),
    table_key   TEXT NOT NULL,
    position    INTEGER NOT NULL,
    labels      TEXT,
    cell_texts  TEXT,
    PRIMARY KEY (report_id, table_key, position)
);

-- The spec's checks (common/template.json): what each check_key tests, as a formula.
CREATE TABLE check_rules (
    check_key   TEXT PRIMARY KEY,
    scope       TEXT NOT NULL,
    severity    TEXT NOT NULL,
    rule        TEXT NOT NULL,
    title       TEXT NOT NULL
);

CREATE TABLE checks (
    report_id   TEXT NOT NULL REFERENCES reports (id),
    check_key   TEXT NOT NULL,
    status      TEXT NOT NULL,
    severity    TEXT NOT NULL,
    details     TEXT,
    PRIMARY KEY (report_id, check_key)
);

CREATE TABLE fetches (
    id                  INTEGER PRIMARY KEY,
    run_id              TEXT,
    site                TEXT,
    url                 TEXT,
    method              TEXT,
    fetched_at          TEXT,
    status              INTEGER,
    outcome             TEXT,
    content_type        TEXT,
    length              INTEGER,
    sha256              TEXT,
    payload_digest      TEXT,
    etag                TEXT,
    last_modified       TEXT,
    ip                  TEXT,
    referrer            TEXT,
    warc_file           TEXT,
    warc_offset         INTEGER,
    warc_length         INTEGER,
    warc_record_id      TEXT,
    record_type         TEXT,
    refers_to_record_id TEXT,
    error               TEXT
);

CREATE TABLE crawl_runs (
    run_id              TEXT NOT NULL,
    site                TEXT NOT NULL,
    started_at          TEXT,
    finished_at         TEXT,
    status              TEXT,
    fetches             INTEGER,
    ok                  INTEGER,
    http_errors         INTEGER,
    challenges          INTEGER,
    robots_refused      INTEGER,
    network_errors      INTEGER,
    report_pages_found  INTEGER,
    attachments_found   INTEGER,
    reports_new         INTEGER,
    reports_changed     INTEGER,
    reports_gone        INTEGER,
    PRIMARY KEY (run_id, site)
);

CREATE TABLE coverage (
    agency_id       TEXT NOT NULL REFERENCES agencies (id),
    agency          TEXT,
    site            TEXT,
    level           TEXT,
    year            INTEGER NOT NULL,
    status          TEXT NOT NULL,
    report_id       TEXT REFERENCES reports (id),
    published_on    TEXT,
    deadline        TEXT,
    days_late       INTEGER,
    PRIMARY KEY (agency_id, year)
);

-- After the load: indexes (faster built once than kept up to date row by row), then views.

CREATE INDEX cells_by_key ON cells (table_key, row_key, column_key);
CREATE INDEX cells_in_order ON cells (position);
CREATE INDEX reports_by_agency ON reports (agency_id, year);
CREATE INDEX fetches_by_url ON fetches (url);
-- The reports table's facets (publish/metadata.yml) and its default sort (year): each counted from an index, not
-- from the wide rows (bench/serve: 120 ms -> 10 ms per facet at 200,000 reports).
CREATE INDEX reports_by_year ON reports (year);
CREATE INDEX reports_by_province ON reports (province);
CREATE INDEX reports_by_template ON reports (template);
CREATE INDEX reports_by_parse_status ON reports (parse_status);
CREATE INDEX reports_by_site ON reports (site);
CREATE INDEX reports_by_change ON reports (changed_after_publication);
-- A report's page: Datasette counts the rows of each table that refer to it, and the page lists them.
CREATE INDEX coverage_by_report ON coverage (report_id);
CREATE INDEX changes_by_report ON changes (report_id);
CREATE INDEX cell_changes_by_report ON cell_changes (report_id);

-- What the home page says the database holds, counted once per build (counting cells at each server start took
-- 45 s at 200,000 reports).
CREATE TABLE dataset_summary AS SELECT
    (SELECT count(*) FROM reports) AS reports,
    (SELECT count(*) FROM agencies) AS agencies,
    (SELECT count(*) FROM cells) AS cells,
    (SELECT count(*) FROM checks WHERE status = 'fail') AS failed_checks,
    (SELECT count(*) FROM reports WHERE checks_failed > 0) AS reports_failing,
    (SELECT count(*) FROM coverage WHERE days_late > 0) AS late,
    (SELECT count(*) FROM coverage WHERE status = 'missing') AS missing,
    (SELECT min(year) FROM reports) AS first_year,
    (SELECT max(year) FROM reports) AS last_year,
    (SELECT max(finished_at) FROM crawl_runs) AS last_crawl;

-- Views for reading. The wide views (requests_wide, appeals_wide, active_wide) are generated from the template spec
-- by publish/views.py (wide_views_sql(), run after this file).

CREATE VIEW report_summary AS
SELECT r.id AS report_id, r.province, r.city, r.county, r.agency_id, a.name AS agency_name, r.agency, r.year,
       r.template, r.parse_status,
       max(CASE WHEN c.table_key = 'requests' AND c.row_key = 'received' AND c.column_key = 'total'
                THEN c.value END) AS applications_received,
       max(CASE WHEN c.table_key = 'requests' AND c.row_key = 'carried_over' AND c.column_key = 'total'
                THEN c.value END) AS carried_over,
       max(CASE WHEN c.table_key = 'requests' AND c.row_key = 'granted' AND c.column_key = 'total'
                THEN c.value END) AS granted,
       max(CASE WHEN c.table_key = 'requests' AND c.row_key = 'total' AND c.column_key = 'total'
                THEN c.value END) AS handled,
       max(CASE WHEN c.table_key = 'appeals' AND c.row_key = 'review' AND c.column_key = 'total'
                THEN c.value END) AS reviews,
       max(CASE WHEN c.table_key = 'appeals' AND c.row_key = 'litigation_direct' AND c.column_key = 'total'
                THEN c.value END) AS lawsuits_direct,
       max(CASE WHEN c.table_key = 'appeals' AND c.row_key = 'litigation_after_review' AND c.column_key = 'total'
                THEN c.value END) AS lawsuits_after_review,
       r.checks_failed, r.detail_url
FROM reports r LEFT JOIN agencies a ON a.id = r.agency_id LEFT JOIN cells c ON c.report_id = r.id
GROUP BY r.id;

-- Each failing part of a check, with its formula and the numbers that decided it (checks.details, one row a part).
CREATE VIEW failing_check_parts AS
SELECT c.report_id, r.agency, r.year, c.check_key, k.title, k.severity, k.rule AS formula,
       json_extract(part.value, '$.where') AS place,
       json_extract(part.value, '$.left') AS left_side, json_extract(part.value, '$.right') AS right_side,
       json_extract(part.value, '$.inputs') AS numbers
FROM checks c
JOIN reports r ON r.id = c.report_id
JOIN check_rules k ON k.check_key = c.check_key,
     json_each(c.details) part
WHERE c.status = 'fail' AND json_extract(part.value, '$.status') = 'fail';
