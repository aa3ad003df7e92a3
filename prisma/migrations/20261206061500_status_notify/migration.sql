-- Every status change of a segmentation request (created QUEUED, claimed RUNNING, requeued, finished, cancelled)
-- is announced on the `refdiff_status` channel, delivered on commit to every gateway replica that LISTENs: the
-- GraphQL subscriptions (segmentationUpdated, segmentationsUpdated) fan out from it. A trigger rather than calls in
-- each repository method, so no writer (present or future) can change a status silently.
-- Payload: {"id","tenantId","imageId","status","attempts"} (well under NOTIFY's 8000-byte limit).
CREATE FUNCTION "refdiff_notify_status"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('refdiff_status', json_build_object(
    'id', NEW."id", 'tenantId', NEW."tenantId", 'imageId', NEW."imageId",
    'status', NEW."status", 'attempts', NEW."attempts")::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "segmentation_requests_status_insert"
AFTER INSERT ON "segmentation_requests"
FOR EACH ROW EXECUTE FUNCTION "refdiff_notify_status"();

-- A lease that expired and is claimed again stays RUNNING with one more attempt: a change worth announcing too.
CREATE TRIGGER "segmentation_requests_status_update"
AFTER UPDATE OF "status", "attempts" ON "segmentation_requests"
FOR EACH ROW
WHEN (OLD."status" IS DISTINCT FROM NEW."status" OR OLD."attempts" IS DISTINCT FROM NEW."attempts")
EXECUTE FUNCTION "refdiff_notify_status"();
