// Mark facts of one space (every version of each: the live one and those
// archived as its history) private or not; returns the ids found.
MATCH ()-[f:FACT]->()
WHERE f.tenant = $tenant AND f.space = $space AND (f.id IN $ids OR f.version_of IN $ids)
SET f.private = $private
RETURN collect(DISTINCT coalesce(f.version_of, f.id)) AS ids
