-- Workspace schema. One source of truth: embedded into the binary at build time.
-- Money is INTEGER whole rupiah; dates are TEXT ISO 8601; every table is STRICT.
PRAGMA user_version = 12;

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Rule packs: the exact text, as loaded, and its SHA-256.
CREATE TABLE rule_pack (
    id         INTEGER PRIMARY KEY,
    sha256     TEXT NOT NULL UNIQUE,
    pack_id    TEXT NOT NULL,
    region     TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to   TEXT,
    path       TEXT NOT NULL,
    text       TEXT NOT NULL,
    loaded_at  TEXT NOT NULL
) STRICT;

-- Every imported file, kept whole (content-addressed) so a replay can prove what was read.
CREATE TABLE input_file (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    path        TEXT NOT NULL,
    rows        INTEGER NOT NULL,
    content     BLOB NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (kind, sha256)
) STRICT;

CREATE TABLE employee (
    nip              TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    status           TEXT NOT NULL,
    unit_code        TEXT NOT NULL,
    unit_name        TEXT NOT NULL,
    position         TEXT NOT NULL,
    class            INTEGER NOT NULL CHECK (class BETWEEN 1 AND 17),
    grade            TEXT NOT NULL DEFAULT '',
    -- Comparisons, not IN (...): SQLite evaluates a CHECK's IN list of three or more values by
    -- building a temporary B-tree for every row written (a fifth of a national employees import).
    schedule         TEXT NOT NULL DEFAULT '5day'
                     CHECK (schedule = '5day' OR schedule = '6day' OR schedule = 'shift'),
    device_pin       TEXT,
    ptkp             TEXT NOT NULL DEFAULT '',
    npwp             TEXT NOT NULL DEFAULT '',
    bank_name        TEXT NOT NULL DEFAULT '',
    bank_account     TEXT NOT NULL DEFAULT '',
    salary_bpjs_base INTEGER NOT NULL DEFAULT 0 CHECK (salary_bpjs_base >= 0),
    salary_gross     INTEGER NOT NULL DEFAULT 0 CHECK (salary_gross >= 0),
    salary_pph21     INTEGER NOT NULL DEFAULT 0 CHECK (salary_pph21 >= 0),
    start_date       TEXT,
    end_date         TEXT,
    file_id          INTEGER NOT NULL REFERENCES input_file(id)
) STRICT;

-- Attendance scans, packed: one row per employee and month (the unit's local time; more parts
-- when the month has more than 64 scans, so that a row stays within its B-tree page), holding
-- the month's scans as a sorted BLOB of 12-byte records, each packed BCD so that hex() reads it:
--   DD HH MM SS   day of month and time, 4 bytes BCD (bytewise order = time order)
--   dir+device    the direction (0 unknown, 1 in, 2 out) as one digit, then att_device.id as 7
--   file_id       input_file.id, 8 digits
-- Sorted by (time, direction) across the parts and unique in it: exact duplicates are collapsed
-- at import (the first stored wins). n is the part's number of scans, days a bit per day of the
-- month with a scan in the part (bit 0 = day 1). One row per employee-month instead of one per scan is what makes the import
-- and the month's load fast (docs/performance.md). The view `attendance` below unpacks it.
CREATE TABLE att_device (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE attendance_month (
    month TEXT NOT NULL,     -- YYYY-MM
    nip   TEXT NOT NULL,
    part  INTEGER NOT NULL,  -- 0, 1, ...: scans 64 * part .. of the month
    n     INTEGER NOT NULL CHECK (n BETWEEN 1 AND 64),
    days  INTEGER NOT NULL,
    scans BLOB NOT NULL CHECK (length(scans) = 12 * n),
    PRIMARY KEY (month, nip, part)
) STRICT, WITHOUT ROWID;

-- One row per scan, as before schema 5 (ts 'YYYY-MM-DD HH:MM:SS', local time of the unit): for
-- people and ad-hoc queries. It decodes every blob: the engine reads attendance_month.
CREATE VIEW attendance(nip, ts, direction, device, file_id) AS
WITH RECURSIVE s(month, nip, scans, i) AS (
    SELECT month, nip, scans, 0 FROM attendance_month
    UNION ALL
    SELECT month, nip, scans, i + 12 FROM s WHERE i + 12 < length(scans)
), h(month, nip, x) AS (
    SELECT month, nip, hex(substr(scans, i + 1, 12)) FROM s
)
SELECT h.nip,
       h.month || '-' || substr(x, 1, 2) || ' ' || substr(x, 3, 2) || ':' || substr(x, 5, 2) ||
           ':' || substr(x, 7, 2),
       CAST(substr(x, 9, 1) AS INTEGER), d.name, CAST(substr(x, 17, 8) AS INTEGER)
FROM h JOIN att_device d ON d.id = CAST(substr(x, 10, 7) AS INTEGER);

CREATE TABLE absence (
    id         INTEGER PRIMARY KEY,
    nip        TEXT NOT NULL,
    type       TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date   TEXT NOT NULL CHECK (end_date >= start_date),
    reference  TEXT NOT NULL DEFAULT '',
    file_id    INTEGER NOT NULL REFERENCES input_file(id)
) STRICT;
CREATE INDEX absence_nip ON absence(nip, start_date);

CREATE TABLE event (
    id        INTEGER PRIMARY KEY,
    nip       TEXT NOT NULL,
    date      TEXT NOT NULL,
    type      TEXT NOT NULL,
    minutes   INTEGER NOT NULL DEFAULT 0 CHECK (minutes >= 0),
    reference TEXT NOT NULL DEFAULT '',
    file_id   INTEGER NOT NULL REFERENCES input_file(id)
) STRICT;
CREATE INDEX event_nip ON event(nip, date);

CREATE TABLE performance (
    nip       TEXT NOT NULL,
    period    TEXT NOT NULL,
    predicate TEXT,
    score_bp  INTEGER,           -- score in basis points of a percent (95.5 % = 9550)
    file_id   INTEGER NOT NULL REFERENCES input_file(id),
    PRIMARY KEY (nip, period)
) STRICT;

CREATE TABLE holiday (
    date    TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    kind    TEXT NOT NULL DEFAULT 'national' CHECK (kind IN ('national', 'cuti_bersama', 'local')),
    file_id INTEGER NOT NULL REFERENCES input_file(id)
) STRICT;

-- Runs are append-only drafts; nothing is overwritten.
CREATE TABLE run (
    id             INTEGER PRIMARY KEY,
    period         TEXT NOT NULL,
    state          TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'final')),
    pack_sha256    TEXT NOT NULL REFERENCES rule_pack(sha256),
    engine_version TEXT NOT NULL,
    threads        INTEGER NOT NULL,
    started_at     TEXT NOT NULL,
    compute_ms     INTEGER NOT NULL,
    n_employees    INTEGER NOT NULL,
    n_errors       INTEGER NOT NULL,
    total_tpp      INTEGER NOT NULL,
    total_gross    INTEGER NOT NULL,
    total_net      INTEGER NOT NULL
) STRICT;

-- The input files a run read, by hash.
CREATE TABLE run_input (
    run_id  INTEGER NOT NULL REFERENCES run(id),
    file_id INTEGER NOT NULL REFERENCES input_file(id),
    kind    TEXT NOT NULL,
    sha256  TEXT NOT NULL,
    PRIMARY KEY (run_id, file_id)
) STRICT;

-- One payroll line per employee per run; column numbers as in the payment list.
CREATE TABLE result (
    -- Deferred, like the trigger's FAIL and tpp run's INSERT OR FAIL: a row insert that might
    -- abort after changing pages runs under a statement journal, a copy of every page the row
    -- changes (its 16 KiB leaf, for each of a run's rows: a quarter of `tpp run`'s instructions).
    -- The key is checked at commit instead; a result of no run still cannot be committed.
    run_id             INTEGER NOT NULL REFERENCES run(id) DEFERRABLE INITIALLY DEFERRED,
    nip                TEXT NOT NULL,
    name               TEXT NOT NULL,
    unit_code          TEXT NOT NULL,
    unit_name          TEXT NOT NULL,
    position           TEXT NOT NULL,
    grade              TEXT NOT NULL,
    class              INTEGER NOT NULL,
    npwp               TEXT NOT NULL,
    bank_name          TEXT NOT NULL,
    bank_account       TEXT NOT NULL,
    status             TEXT NOT NULL,      -- ok | error
    message            TEXT NOT NULL,
    workdays           INTEGER NOT NULL,
    days_present       INTEGER NOT NULL,
    days_absent        INTEGER NOT NULL,
    days_missing_punch INTEGER NOT NULL,
    days_excused       INTEGER NOT NULL,
    late_minutes       INTEGER NOT NULL,
    early_minutes      INTEGER NOT NULL,
    deferred           INTEGER NOT NULL,
    perf_missing       INTEGER NOT NULL,
    besaran            INTEGER NOT NULL,   -- col 6
    percent_bp         INTEGER NOT NULL,   -- col 7
    discipline_cut     INTEGER NOT NULL,
    performance_cut    INTEGER NOT NULL,
    tpp                INTEGER NOT NULL,   -- col 8
    pot_bulan_lalu     INTEGER NOT NULL,   -- col 9
    pot_hukdis         INTEGER NOT NULL,   -- col 10
    bpjs_employer      INTEGER NOT NULL,   -- col 11 and 13
    gross              INTEGER NOT NULL,   -- col 12
    bpjs_employee      INTEGER NOT NULL,   -- col 14
    deductions         INTEGER NOT NULL,   -- col 15
    net_before_tax     INTEGER NOT NULL,   -- col 16
    pph21              INTEGER NOT NULL,   -- col 17
    net                INTEGER NOT NULL,   -- col 18
    trace              BLOB NOT NULL,      -- compact trace, docs/compact-trace.md (schema 12)
    -- schema 9: an employee transferred between OPDs in the month has one line per OPD, 1, 2, ...
    -- in the order of the days (engine/segment.c); everyone else has line 1.
    line               INTEGER NOT NULL DEFAULT 1 CHECK (line >= 1),
    PRIMARY KEY (run_id, nip, line)
) STRICT;

-- Seals (SPEC section 7): a sealed run is a Merkle root over its canonical employee records
-- (docs/canonical-trace.md), the hashes of what it read, and the hash of the previous seal.
-- seal_hash = SHA-256 of the seal's canonical header (engine/audit.c), so a seal row cannot be
-- edited without breaking the chain that the next seal, and anyone holding a published root,
-- keeps.
CREATE TABLE seal (
    id                INTEGER PRIMARY KEY,
    run_id            INTEGER NOT NULL UNIQUE REFERENCES run(id),
    period            TEXT NOT NULL,
    revision          INTEGER NOT NULL DEFAULT 0,
    canon_version     INTEGER NOT NULL,
    engine_version    TEXT NOT NULL,
    pack_sha256       TEXT NOT NULL,
    inputs_sha256     TEXT NOT NULL,   -- over the run's input file hashes, see engine/audit.c
    n_leaves          INTEGER NOT NULL,
    merkle_root       TEXT NOT NULL,
    totals            TEXT NOT NULL,   -- "n_employees n_errors total_tpp total_gross total_net"
    accept_incomplete TEXT NOT NULL DEFAULT '', -- reason given to seal despite the gate
    prev_seal_hash    TEXT NOT NULL,   -- 64 zeros for the workspace's first seal
    sealed_at         TEXT NOT NULL,
    seal_hash         TEXT NOT NULL UNIQUE,
    UNIQUE (period, revision)
) STRICT;

-- The leaves of a seal, in tree order (by NIP). trace_sha256 lets audit verify say whether an
-- edited line was its payroll columns or its trace.
CREATE TABLE seal_leaf (
    seal_id      INTEGER NOT NULL REFERENCES seal(id),
    idx          INTEGER NOT NULL,
    nip          TEXT NOT NULL,
    leaf_hash    TEXT NOT NULL,
    trace_sha256 TEXT NOT NULL,
    line         INTEGER NOT NULL DEFAULT 1,   -- schema 9: the employee's line (result.line)
    PRIMARY KEY (seal_id, idx),
    UNIQUE (seal_id, nip, line)
) STRICT;

-- Sealed data is read-only. tpp never changes it; these triggers stop casual edits made behind
-- its back (an edit that drops them first is still found by `tpp audit verify`).
CREATE TRIGGER seal_no_update BEFORE UPDATE ON seal
BEGIN SELECT RAISE(ABORT, 'sealed: seal rows cannot be changed'); END;
CREATE TRIGGER seal_no_delete BEFORE DELETE ON seal
BEGIN SELECT RAISE(ABORT, 'sealed: seal rows cannot be deleted'); END;
CREATE TRIGGER seal_leaf_no_update BEFORE UPDATE ON seal_leaf
BEGIN SELECT RAISE(ABORT, 'sealed: seal_leaf rows cannot be changed'); END;
CREATE TRIGGER seal_leaf_no_delete BEFORE DELETE ON seal_leaf
BEGIN SELECT RAISE(ABORT, 'sealed: seal_leaf rows cannot be deleted'); END;
CREATE TRIGGER run_sealed_no_update BEFORE UPDATE ON run WHEN OLD.state = 'final'
BEGIN SELECT RAISE(ABORT, 'sealed: a final run cannot be changed'); END;
CREATE TRIGGER run_sealed_no_delete BEFORE DELETE ON run WHEN OLD.state = 'final'
BEGIN SELECT RAISE(ABORT, 'sealed: a final run cannot be deleted'); END;
-- FAIL, not ABORT (see result.run_id): the trigger fires before its row is written, so the row
-- is refused all the same, with this message, and the command rolls back.
CREATE TRIGGER result_sealed_no_insert BEFORE INSERT ON result
WHEN (SELECT state FROM run WHERE id = NEW.run_id) = 'final'
BEGIN SELECT RAISE(FAIL, 'sealed: results of a final run cannot be added'); END;
CREATE TRIGGER result_sealed_no_update BEFORE UPDATE ON result
WHEN (SELECT state FROM run WHERE id = OLD.run_id) = 'final'
BEGIN SELECT RAISE(ABORT, 'sealed: results of a final run cannot be changed'); END;
CREATE TRIGGER result_sealed_no_delete BEFORE DELETE ON result
WHEN (SELECT state FROM run WHERE id = OLD.run_id) = 'final'
BEGIN SELECT RAISE(ABORT, 'sealed: results of a final run cannot be deleted'); END;
CREATE TRIGGER run_input_sealed_no_insert BEFORE INSERT ON run_input
WHEN (SELECT state FROM run WHERE id = NEW.run_id) = 'final'
BEGIN SELECT RAISE(ABORT, 'sealed: inputs of a final run cannot be added'); END;
CREATE TRIGGER run_input_sealed_no_update BEFORE UPDATE ON run_input
WHEN (SELECT state FROM run WHERE id = OLD.run_id) = 'final'
BEGIN SELECT RAISE(ABORT, 'sealed: inputs of a final run cannot be changed'); END;
CREATE TRIGGER run_input_sealed_no_delete BEFORE DELETE ON run_input
WHEN (SELECT state FROM run WHERE id = OLD.run_id) = 'final'
BEGIN SELECT RAISE(ABORT, 'sealed: inputs of a final run cannot be deleted'); END;
CREATE TRIGGER input_file_sealed_no_update BEFORE UPDATE ON input_file
WHEN EXISTS (SELECT 1 FROM run_input ri JOIN run ON run.id = ri.run_id
             WHERE ri.file_id = OLD.id AND run.state = 'final')
BEGIN SELECT RAISE(ABORT, 'sealed: an input file read by a final run cannot be changed'); END;
CREATE TRIGGER input_file_sealed_no_delete BEFORE DELETE ON input_file
WHEN EXISTS (SELECT 1 FROM run_input ri JOIN run ON run.id = ri.run_id
             WHERE ri.file_id = OLD.id AND run.state = 'final')
BEGIN SELECT RAISE(ABORT, 'sealed: an input file read by a final run cannot be deleted'); END;
-- The one change allowed to a pack a final run used: closing its open validity when the next
-- version is added (`tpp rules add`); its text and hash stay as sealed.
CREATE TRIGGER rule_pack_sealed_no_update BEFORE UPDATE ON rule_pack
WHEN EXISTS (SELECT 1 FROM run WHERE run.pack_sha256 = OLD.sha256 AND run.state = 'final')
 AND NOT (OLD.valid_to IS NULL AND NEW.valid_to IS NOT NULL AND NEW.valid_to >= OLD.valid_from
          AND NEW.sha256 = OLD.sha256 AND NEW.text = OLD.text AND NEW.pack_id = OLD.pack_id
          AND NEW.region = OLD.region AND NEW.valid_from = OLD.valid_from
          AND NEW.path = OLD.path AND NEW.loaded_at = OLD.loaded_at AND NEW.id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'sealed: a rule pack used by a final run cannot be changed'); END;
CREATE TRIGGER rule_pack_sealed_no_delete BEFORE DELETE ON rule_pack
WHEN EXISTS (SELECT 1 FROM run WHERE run.pack_sha256 = OLD.sha256 AND run.state = 'final')
BEGIN SELECT RAISE(ABORT, 'sealed: a rule pack used by a final run cannot be deleted'); END;

-- ---- schema 2: importers for real-world data (units, device PINs, sanctions, Plt/Plh, roster)

-- Units (OPD) with the timezone their clocks show: WIB (UTC+7), WITA (UTC+8), WIT (UTC+9).
CREATE TABLE unit (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL DEFAULT '',
    timezone TEXT NOT NULL CHECK (timezone IN ('WIB', 'WITA', 'WIT')),
    file_id  INTEGER NOT NULL REFERENCES input_file(id)
) STRICT;

-- Device PIN -> NIP, per device ('' = any device; employee.device_pin is the fallback).
CREATE TABLE device_pin (
    device  TEXT NOT NULL,
    pin     TEXT NOT NULL,
    nip     TEXT NOT NULL,
    file_id INTEGER NOT NULL REFERENCES input_file(id),
    PRIMARY KEY (device, pin)
) STRICT;

-- Scans nobody could be found for, per file: the completeness report lists them.
CREATE TABLE unknown_scan (
    file_id  INTEGER NOT NULL REFERENCES input_file(id),
    device   TEXT NOT NULL,
    pin      TEXT NOT NULL,      -- the PIN, or the NIP when the file gave a NIP
    scans    INTEGER NOT NULL,
    first_ts TEXT NOT NULL,
    last_ts  TEXT NOT NULL,
    PRIMARY KEY (file_id, device, pin)
) STRICT;

-- Disciplinary sanctions (hukuman disiplin) as decided, SPEC section 3: `level` names a sanction of
-- the pack; it applies from start_period (YYYY-MM) for `months` months, possibly from before the
-- first month the workspace knows; percent_bp, when given, overrides the pack's percent.
CREATE TABLE sanction (
    id           INTEGER PRIMARY KEY,
    nip          TEXT NOT NULL,
    level        TEXT NOT NULL,
    start_period TEXT NOT NULL,  -- YYYY-MM
    months       INTEGER NOT NULL CHECK (months BETWEEN 1 AND 120),
    percent_bp   INTEGER CHECK (percent_bp BETWEEN 0 AND 10000),  -- basis points of a percent
    reference    TEXT NOT NULL DEFAULT '',
    file_id      INTEGER NOT NULL REFERENCES input_file(id)
) STRICT;
CREATE INDEX sanction_nip ON sanction(nip, start_period);

-- Acting assignments (Plt/Plh), SPEC section 3: the acting post's class from start_date to end_date.
CREATE TABLE assignment (
    id         INTEGER PRIMARY KEY,
    nip        TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('plt', 'plh')),
    class      INTEGER NOT NULL CHECK (class BETWEEN 1 AND 17),
    start_date TEXT NOT NULL,
    end_date   TEXT NOT NULL CHECK (end_date >= start_date),
    reference  TEXT NOT NULL DEFAULT '',
    file_id    INTEGER NOT NULL REFERENCES input_file(id)
) STRICT;
CREATE INDEX assignment_nip ON assignment(nip, start_date);

-- Corrections carried into a later month (SPEC section 7): the difference of col 8 between a
-- finalized run and its corrected revision. amount > 0: kelebihan bayar, taken back in col 9 of
-- `period`; amount < 0: kekurangan bayar, added to col 8 of `period`.
CREATE TABLE correction (
    id         INTEGER PRIMARY KEY,
    nip        TEXT NOT NULL,
    period     TEXT NOT NULL,
    amount     INTEGER NOT NULL,
    from_run   INTEGER NOT NULL REFERENCES run(id),
    to_run     INTEGER NOT NULL REFERENCES run(id),
    created_at TEXT NOT NULL,
    UNIQUE (nip, from_run, to_run)
) STRICT;
CREATE INDEX correction_period ON correction(period, nip);

-- Shift roster: a shift belongs to its start date; end_ts may be on the next day.
CREATE TABLE roster (
    nip      TEXT NOT NULL,
    date     TEXT NOT NULL,
    start_ts TEXT NOT NULL,      -- 'YYYY-MM-DD HH:MM'
    end_ts   TEXT NOT NULL CHECK (end_ts > start_ts),
    file_id  INTEGER NOT NULL REFERENCES input_file(id),
    PRIMARY KEY (nip, date, start_ts)
) STRICT;

-- Raw input files in chunks (up to 1 MiB each, in order), written while the file is read so
-- that no file is ever held whole in memory. A file's bytes are input_file.content followed by
-- its chunks by seq; the importers leave content empty (X'') and write chunks.
CREATE TABLE input_chunk (
    file_id INTEGER NOT NULL REFERENCES input_file(id),
    seq     INTEGER NOT NULL,
    data    BLOB NOT NULL,
    PRIMARY KEY (file_id, seq)
) STRICT;

-- The chunks of an input file a final run read are as sealed as the file's row.
CREATE TRIGGER input_chunk_sealed_no_update BEFORE UPDATE ON input_chunk
WHEN EXISTS (SELECT 1 FROM run_input ri JOIN run ON run.id = ri.run_id
             WHERE ri.file_id = OLD.file_id AND run.state = 'final')
BEGIN SELECT RAISE(ABORT, 'sealed: an input file read by a final run cannot be changed'); END;
CREATE TRIGGER input_chunk_sealed_no_delete BEFORE DELETE ON input_chunk
WHEN EXISTS (SELECT 1 FROM run_input ri JOIN run ON run.id = ri.run_id
             WHERE ri.file_id = OLD.file_id AND run.state = 'final')
BEGIN SELECT RAISE(ABORT, 'sealed: an input file read by a final run cannot be deleted'); END;
CREATE TRIGGER input_chunk_sealed_no_insert BEFORE INSERT ON input_chunk
WHEN EXISTS (SELECT 1 FROM run_input ri JOIN run ON run.id = ri.run_id
             WHERE ri.file_id = NEW.file_id AND run.state = 'final')
BEGIN SELECT RAISE(ABORT, 'sealed: an input file read by a final run cannot be changed'); END;

-- ---- schema 6: how each file was read, so that a replay reads it again exactly so
-- Canonical "key=value" LF list (format, sheet, mapping SHA-256, join SHA-256, device, timezone,
-- period; importers/import.c). '' for files imported before schema 6: plain CSV. The mapping
-- file an import used is stored like a raw file, as kind "<kind>.mapping".
ALTER TABLE input_file ADD COLUMN options TEXT NOT NULL DEFAULT '';

-- ---- schema 8: the year's PPh 21 inputs of the December reconciliation (kind annual), from the
-- payroll office's books: taxable gross (salary + TPP) and PPh 21 withheld January..November, and
-- the year's pension contribution (iuran pensiun / THT). Whole rupiah; one row per NIP and year.
CREATE TABLE annual_tax (
    nip            TEXT NOT NULL,
    year           INTEGER NOT NULL,
    ytd_gross      INTEGER NOT NULL CHECK (ytd_gross >= 0),
    ytd_pph21      INTEGER NOT NULL CHECK (ytd_pph21 >= 0),
    annual_pension INTEGER NOT NULL CHECK (annual_pension >= 0),
    file_id        INTEGER NOT NULL REFERENCES input_file(id),
    PRIMARY KEY (nip, year)
) STRICT;

-- ---- schema 9: zakat deducted through the payroll (kind zakat). Each row is an employee's
-- statement from a month on: deduct = 1 (the surat pernyataan asking BAZNAS zakat to be taken
-- from TPP) or 0 (withdrawn). The month's state is the latest row with start_period <= the
-- month; a row is never replaced (a second one for the same NIP and month is an error).
CREATE TABLE zakat_request (
    nip          TEXT NOT NULL,
    start_period TEXT NOT NULL,                 -- YYYY-MM
    deduct       INTEGER NOT NULL CHECK (deduct IN (0, 1)),
    reference    TEXT NOT NULL DEFAULT '',
    file_id      INTEGER NOT NULL REFERENCES input_file(id),
    PRIMARY KEY (nip, start_period)
) STRICT;
-- ---- schema 9: transfers between OPDs (mutasi) and months computed under two pack versions

-- A transfer (mutasi) as decided: from `date` (its first day in the new OPD) the employee works
-- in to_unit. The unit on a day is to_unit of the latest transfer dated on or before it, else
-- from_unit of the earliest one after it, else employee.unit_code. Schedules (5day/6day/shift)
-- are the OPD's for the segment; empty = the employee's own.
CREATE TABLE transfer (
    id            INTEGER PRIMARY KEY,
    nip           TEXT NOT NULL,
    date          TEXT NOT NULL,
    from_unit     TEXT NOT NULL,
    to_unit       TEXT NOT NULL CHECK (to_unit <> from_unit),
    from_schedule TEXT NOT NULL DEFAULT '' CHECK (from_schedule IN ('', '5day', '6day', 'shift')),
    to_schedule   TEXT NOT NULL DEFAULT '' CHECK (to_schedule IN ('', '5day', '6day', 'shift')),
    reference     TEXT NOT NULL DEFAULT '',
    file_id       INTEGER NOT NULL REFERENCES input_file(id),
    UNIQUE (nip, date)
) STRICT;

-- The pack versions a run computed under, with the days each covered: one row for an ordinary
-- month, two when a version starts inside the month (run.pack_sha256 is the first day's).
CREATE TABLE run_pack (
    run_id      INTEGER NOT NULL REFERENCES run(id),
    seq         INTEGER NOT NULL,
    pack_sha256 TEXT NOT NULL REFERENCES rule_pack(sha256),
    from_date   TEXT NOT NULL,
    to_date     TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
) STRICT;
CREATE TRIGGER run_pack_sealed_no_change BEFORE UPDATE ON run_pack
WHEN (SELECT state FROM run WHERE id = OLD.run_id) = 'final'
BEGIN SELECT RAISE(ABORT, 'sealed: the packs of a final run cannot be changed'); END;
CREATE TRIGGER run_pack_sealed_no_delete BEFORE DELETE ON run_pack
WHEN (SELECT state FROM run WHERE id = OLD.run_id) = 'final'
BEGIN SELECT RAISE(ABORT, 'sealed: the packs of a final run cannot be deleted'); END;

-- ---- schema 10: the seal covers every pack version of the run (seal header 2)

-- SHA-256 over the run's run_pack rows (engine/audit.c, docs/canonical-trace.md section 4):
-- a later pack version of a split month is sealed by the seal itself.
ALTER TABLE seal ADD COLUMN packs_sha256 TEXT NOT NULL DEFAULT '';
CREATE TRIGGER run_pack_sealed_no_insert BEFORE INSERT ON run_pack
WHEN (SELECT state FROM run WHERE id = NEW.run_id) = 'final'
BEGIN SELECT RAISE(ABORT, 'sealed: the packs of a final run cannot be added'); END;
-- A later pack version of a final run is kept as the first one is (rule_pack_sealed_no_*).
CREATE TRIGGER rule_pack_later_sealed_no_update BEFORE UPDATE ON rule_pack
WHEN EXISTS (SELECT 1 FROM run_pack rp JOIN run ON run.id = rp.run_id
             WHERE rp.pack_sha256 = OLD.sha256 AND run.state = 'final')
 AND NOT (OLD.valid_to IS NULL AND NEW.valid_to IS NOT NULL AND NEW.valid_to >= OLD.valid_from
          AND NEW.sha256 = OLD.sha256 AND NEW.text = OLD.text AND NEW.pack_id = OLD.pack_id
          AND NEW.region = OLD.region AND NEW.valid_from = OLD.valid_from
          AND NEW.path = OLD.path AND NEW.loaded_at = OLD.loaded_at AND NEW.id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'sealed: a rule pack used by a final run cannot be changed'); END;
CREATE TRIGGER rule_pack_later_sealed_no_delete BEFORE DELETE ON rule_pack
WHEN EXISTS (SELECT 1 FROM run_pack rp JOIN run ON run.id = rp.run_id
             WHERE rp.pack_sha256 = OLD.sha256 AND run.state = 'final')
BEGIN SELECT RAISE(ABORT, 'sealed: a rule pack used by a final run cannot be deleted'); END;

-- ---- schema 11: raw input chunks stored compressed. The file's SHA-256 stays that of its raw
-- bytes; readers decode each chunk (engine/store.c). codec 0: data is the chunk's bytes; 1: data
-- is one zstd frame holding them. size: the chunk's raw length.
ALTER TABLE input_chunk ADD COLUMN codec INTEGER NOT NULL DEFAULT 0 CHECK (codec IN (0, 1));
ALTER TABLE input_chunk ADD COLUMN size INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0);
