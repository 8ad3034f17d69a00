// Import: which of these fact ids the tenant already uses, in any space.
UNWIND $ids AS id
MATCH ()-[f:FACT {id: id}]->()
WHERE f.tenant = $tenant
RETURN DISTINCT f.id AS id
