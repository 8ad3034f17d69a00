// Drop the ABOUT relationships of insights $ids (before they are linked anew).
UNWIND $ids AS id
MATCH (i:Insight {tenant: $tenant, space: $space, id: id})-[a:ABOUT]->(:Entity)
DELETE a
RETURN count(*) AS removed
