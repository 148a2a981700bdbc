// Verifies changeproof ledger bundles with @sigstore/verify, trusting only one public key.
// Usage: node verify-bundles.js PUBLIC_KEY.pem KEY_HINT BUNDLE.json...
// Prints one JSON line per bundle: {"file", "ok", "error"}; exits 1 if any bundle fails.
"use strict";
const fs = require("fs");
const crypto = require("crypto");
const { bundleFromJSON } = require("@sigstore/bundle");
const { Verifier, toSignedEntity, toTrustMaterial } = require("@sigstore/verify");

const [pemFile, hint, ...bundles] = process.argv.slice(2);
const der = crypto.createPublicKey(fs.readFileSync(pemFile)).export({ type: "spki", format: "der" });
// An empty trusted root: no CAs, no transparency logs, no timestamp authorities. Only the key.
const root = { certificateAuthorities: [], timestampAuthorities: [], tlogs: [], ctlogs: [] };
const trust = toTrustMaterial(root, { [hint]: { rawBytes: der } });
const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });

let failed = false;
for (const file of bundles) {
  try {
    const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(file, "utf8")));
    verifier.verify(toSignedEntity(bundle));
    console.log(JSON.stringify({ file, ok: true }));
  } catch (err) {
    failed = true;
    console.log(JSON.stringify({ file, ok: false, error: `${err.code || err.name}: ${err.message}` }));
  }
}
process.exit(failed ? 1 : 0);
