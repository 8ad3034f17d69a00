// Heartbeat: worker $worker renews the claims it still holds, so episodes it is
// working on are not retaken while it lives. Done, failed and retaken episodes
// (claimed_by changed) are left alone.
UNWIND $ids AS id
MATCH (e:Episode {tenant: $tenant, id: id})
WHERE e.space = $space AND e.status = 'processing' AND e.claimed_by = $worker
SET e.claimed_at = $now
RETURN count(e) AS renewed
