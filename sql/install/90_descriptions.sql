-- Descriptions of extension members created implicitly by other files
-- (identity sequences), so that every member of the extension has one.

COMMENT ON SEQUENCE gitproxy.decision_log_log_id_seq IS
  'identity sequence of gitproxy.decision_log.log_id (dumped with the table''s data)';
