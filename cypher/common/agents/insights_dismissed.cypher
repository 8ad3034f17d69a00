// Which of $fingerprints a person dismissed in this space: a re-run does not
// bring a dismissed insight back.
MATCH (i:Insight {tenant: $tenant, space: $space, status: 'dismissed'})
WHERE i.fingerprint IN $fingerprints
RETURN DISTINCT i.fingerprint AS fingerprint
