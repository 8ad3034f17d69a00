// Record an ingest failure on episodes; they stay stored and can be retried.
UNWIND $ids AS id
MATCH (e:Episode {tenant: $tenant, id: id})
SET e.status = 'failed', e.error = $error
RETURN count(e) AS failed
