// Mark episodes of one space private or not; returns the ids found.
MATCH (e:Episode {tenant: $tenant, space: $space})
WHERE e.id IN $ids
SET e.private = $private
RETURN collect(e.id) AS ids
