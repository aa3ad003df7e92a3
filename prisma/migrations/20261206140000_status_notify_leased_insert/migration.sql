-- A batch the queueing replica's own dispatcher has a free slot for is inserted already leased to it (RUNNING,
-- attempts 1) rather than inserted QUEUED and leased by a second statement. It was still queued first: the trigger
-- announces such a row as QUEUED (attempts 0) and then RUNNING, the two announcements the second statement made
-- before, in the same order. Every other insert and update is announced as before.
CREATE OR REPLACE FUNCTION "refdiff_notify_status"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' AND NEW."status" = 'RUNNING' THEN
    PERFORM pg_notify('refdiff_status', json_build_object(
      'id', NEW."id", 'tenantId', NEW."tenantId", 'imageId', NEW."imageId",
      'status', 'QUEUED', 'attempts', NEW."attempts" - 1)::text);
  END IF;
  PERFORM pg_notify('refdiff_status', json_build_object(
    'id', NEW."id", 'tenantId', NEW."tenantId", 'imageId', NEW."imageId",
    'status', NEW."status", 'attempts', NEW."attempts")::text);
  RETURN NULL;
END;
$$;
