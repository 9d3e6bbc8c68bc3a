-- A Warden inventory as schema version 1 wrote it, with a few rows: the migration test opens
-- it with the current build and checks that every row survives. Frozen: never edit it to
-- follow the schema; a new version gets a new fixture. One statement per ';' at a line end.
PRAGMA application_id = 1463898692;
CREATE TABLE nodes (
    id INTEGER PRIMARY KEY CHECK (id BETWEEN 0 AND 254),
    node_type INTEGER,
    sketch_name TEXT,
    sketch_version TEXT,
    library_version TEXT,
    parent INTEGER,
    distance INTEGER,
    battery INTEGER,
    first_seen_ms INTEGER,
    last_seen_ms INTEGER,
    serial_hex TEXT,
    link_key_fp TEXT,
    mgmt_key_fp TEXT,
    signing_required INTEGER,
    whitelist_required INTEGER,
    quarantined INTEGER NOT NULL DEFAULT 0,
    revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE children (
    node INTEGER NOT NULL,
    child INTEGER NOT NULL,
    sensor_type INTEGER,
    description TEXT,
    PRIMARY KEY (node, child)) WITHOUT ROWID;
CREATE TABLE child_values (
    node INTEGER NOT NULL,
    child INTEGER NOT NULL,
    value_type INTEGER NOT NULL,
    value TEXT NOT NULL,
    when_ms INTEGER NOT NULL,
    PRIMARY KEY (node, child, value_type)) WITHOUT ROWID;
CREATE TABLE verdict_counts (
    node INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (node, verdict)) WITHOUT ROWID;
CREATE TABLE node_ids (
    id INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 254),
    state TEXT NOT NULL CHECK (state IN ('allocated', 'quarantined')),
    since_ms INTEGER NOT NULL,
    who TEXT NOT NULL);
CREATE TABLE revocations (
    id INTEGER PRIMARY KEY,
    node INTEGER NOT NULL,
    serial_hex TEXT,
    link_key_fp TEXT,
    who TEXT NOT NULL,
    when_ms INTEGER NOT NULL,
    why TEXT NOT NULL);
CREATE TABLE key_epochs (
    epoch INTEGER NOT NULL,
    scope TEXT NOT NULL,
    key_fp TEXT NOT NULL,
    state TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    activated_ms INTEGER,
    retired_ms INTEGER,
    PRIMARY KEY (epoch, scope)) WITHOUT ROWID;
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    when_ms INTEGER NOT NULL,
    who TEXT NOT NULL,
    what TEXT NOT NULL,
    why TEXT NOT NULL,
    node INTEGER,
    details TEXT NOT NULL DEFAULT '{}');
CREATE INDEX audit_log_by_time ON audit_log (when_ms);
INSERT INTO nodes (id, node_type, sketch_name, sketch_version, library_version, parent, distance,
    battery, first_seen_ms, last_seen_ms, serial_hex, link_key_fp, mgmt_key_fp, signing_required,
    whitelist_required, quarantined, revoked)
VALUES (7, 17, 'Weather', '1.4', '2.3.2', 0, 1, 88, 1700000000000, 1700000900000,
    '01234567890abcdef0', '0a1b-2c3d-4e5f-6a7b', '1111-2222-3333-4444', 1, 1, 0, 0);
INSERT INTO nodes (id, node_type, sketch_name, quarantined, revoked)
VALUES (9, 18, 'Repeater', 1, 1);
INSERT INTO children (node, child, sensor_type, description) VALUES (7, 0, 6, 'Outside');
INSERT INTO children (node, child, sensor_type, description) VALUES (7, 1, 7, 'Humidity');
INSERT INTO child_values (node, child, value_type, value, when_ms) VALUES (7, 0, 0, '21.5', 1700000900000);
INSERT INTO child_values (node, child, value_type, value, when_ms) VALUES (7, 1, 1, '45', 1700000800000);
INSERT INTO verdict_counts (node, verdict, count) VALUES (7, 'verified', 1234);
INSERT INTO verdict_counts (node, verdict, count) VALUES (7, 'bad-signature', 3);
INSERT INTO node_ids (id, state, since_ms, who) VALUES (7, 'allocated', 1700000000000, 'engine');
INSERT INTO node_ids (id, state, since_ms, who) VALUES (9, 'quarantined', 1700000500000, 'console:alice');
INSERT INTO revocations (id, node, serial_hex, link_key_fp, who, when_ms, why)
VALUES (1, 9, 'aabbccddeeff001122', '9999-8888-7777-6666', 'console:alice', 1700000500000, 'stolen from the shed');
INSERT INTO key_epochs (epoch, scope, key_fp, state, created_ms, activated_ms)
VALUES (1, 'network', 'abcd-ef01-2345-6789', 'active', 1700000000000, 1700000001000);
INSERT INTO audit_log (id, when_ms, who, what, why, node, details)
VALUES (1, 1700000500000, 'console:alice', 'revoke', 'stolen from the shed', 9, '{"revocation":1}');
PRAGMA user_version = 1;
