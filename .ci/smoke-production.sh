#!/usr/bin/env bash
# Does what the Dockerfile's last two stages do (production deps only, the built
# dist/), starts the server with NODE_ENV=production against a real redis-server,
# and checks /healthz, /readyz and one authenticated request.
set -euo pipefail
root=$(pwd)
work=$(mktemp -d)
# A free TCP port on loopback.
free_port() { node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})"; }
# Waits up to 10 s for the server on this port to answer /healthz.
wait_healthy() {
  for _ in $(seq 1 50); do
    curl -fsS "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "the server on port $1 did not answer /healthz within 10 s; its log:" >&2
  cat "$2" >&2
  return 1
}
port=$(free_port)
rport=$(free_port)
cleanup() {
  kill "${srv:-}" "${dev:-}" "${rds:-}" 2>/dev/null || true
  wait "${srv:-}" "${dev:-}" "${rds:-}" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cp package.json package-lock.json "$work/"
mkdir -p "$work/dist" && cp -r dist/services dist/web "$work/dist/"
(cd "$work" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)

redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
rds=$!

# Production refuses to start without its secrets: prove it, then start properly.
if (cd "$work" && NODE_ENV=production node dist/services/auth/src/server.js 2>"$work/refusal.txt"); then
  echo "server started without API_KEYS in production" >&2; exit 1
fi
grep -q 'API_KEYS' "$work/refusal.txt" && echo "refused without API_KEYS: $(cat "$work/refusal.txt")"

key=ci-smoke-key-0123456789
# Records every module the server loads (import and require), to check what the built service
# leaves out at start: typebox builds the schemas at build time only (scripts/build-schemas.ts),
# jose is loaded on the first assertion check (adapters/assertions/jose-signer.ts).
cat >"$work/record-modules.mjs" <<'EOF'
import { appendFileSync } from 'node:fs'
import { registerHooks } from 'node:module'
registerHooks({
  load(url, context, next) {
    appendFileSync(process.env.LOADED_MODULES_LOG, `${url}\n`)
    return next(url, context)
  },
})
EOF
# Production refuses to generate its assertion signing key: give it one, as a deployment would.
assertion_key=$(node -e "console.log(require('crypto').generateKeyPairSync('ec',{namedCurve:'P-256'}).privateKey.export({format:'pem',type:'pkcs8'}))")
(cd "$work" && NODE_ENV=production PORT="$port" HOST=127.0.0.1 REDIS_URL="redis://127.0.0.1:$rport" \
  API_KEYS="$key" PIN_HMAC_SECRET=ci-smoke-secret-0123456789-0123456789 AWS_REGION=us-east-1 \
  ASSERTION_SIGNING_KEY="$assertion_key" LOADED_MODULES_LOG="$work/modules.txt" \
  exec node --import "$work/record-modules.mjs" dist/services/auth/src/server.js >"$work/server.log" 2>&1) &
srv=$!

wait_healthy "$port" "$work/server.log"
curl -fsS "http://127.0.0.1:$port/healthz" && echo
curl -fsS "http://127.0.0.1:$port/readyz" && echo
# Read each body whole before matching it: with pipefail, `curl | grep -q` fails when grep stops
# reading early and curl gets EPIPE (exit 23), depending on timing.
jwks=$(curl -fsS "http://127.0.0.1:$port/.well-known/jwks.json" || true)
grep -q '"kty":"EC"' <<<"$jwks" || { echo "no EC key in /.well-known/jwks.json" >&2; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $key" "http://127.0.0.1:$port/v1/callers/+819012345678")
[ "$code" = 404 ] || { echo "expected 404 for an unknown caller, got $code" >&2; cat "$work/server.log" >&2; exit 1; }
for path in /playground /playground/ /playground/config.json /playground/api/sms; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")
  [ "$code" = 404 ] || { echo "expected 404 for $path in production, got $code" >&2; exit 1; }
done
echo "production build serves: /healthz, /readyz, authenticated /v1 (404 CALLER_NOT_FOUND as expected); /playground is 404"
# The schemas the built service loads are the typebox source's: the OpenAPI document it serves
# (every route's schemas) is the committed one, and typebox itself is never loaded; nor is jose
# before an assertion is checked.
curl -fsS -o "$work/openapi.json" "http://127.0.0.1:$port/openapi.json"
node -e 'const { readFileSync: r } = require("node:fs"); const [a, b] = process.argv.slice(1).map((f) => JSON.stringify(JSON.parse(r(f, "utf8")))); process.exit(a === b ? 0 : 1)' \
  "$work/openapi.json" "$root/openapi/openapi.json" \
  || { echo "the built service serves another OpenAPI document than openapi/openapi.json" >&2; exit 1; }
modules=$(wc -l <"$work/modules.txt")
[ "$modules" -gt 100 ] || { echo "recorded only $modules loaded modules: the preload did not run" >&2; exit 1; }
if grep -Eq '/node_modules/(typebox|jose)/' "$work/modules.txt"; then
  echo "the built service loads typebox or jose at start (npm run build must replace dist's schema modules):" >&2
  grep -m 5 -E '/node_modules/(typebox|jose)/' "$work/modules.txt" >&2
  exit 1
fi
echo "production build: the served OpenAPI document is openapi/openapi.json; $modules modules loaded, none of typebox or jose"
# jose, loaded on the first check, is there in the production install: a forged token is refused.
code=$(curl -s -o "$work/check.json" -w '%{http_code}' -H "authorization: Bearer $key" -H 'content-type: application/json' \
  -d '{"assertion":"eyJhbGciOiJFUzI1NiJ9.e30.c2ln","binding":"rest:smoke","purpose":"verify"}' "http://127.0.0.1:$port/v1/assertions/verify")
[ "$code" = 422 ] && grep -q '"ASSERTION_INVALID"' "$work/check.json" \
  || { echo "expected 422 ASSERTION_INVALID for a forged assertion, got $code: $(cat "$work/check.json")" >&2; cat "$work/server.log" >&2; exit 1; }
echo "production build: a forged assertion is 422 ASSERTION_INVALID (jose loads on first use)"

# The same build with the development settings docker-compose.yml uses: the playground is there.
dport=$(free_port)
(cd "$work" && NODE_ENV=development PORT="$dport" HOST=127.0.0.1 REDIS_URL="redis://127.0.0.1:$rport" SMS_PROVIDER=log \
  exec node dist/services/auth/src/server.js >"$work/dev.log" 2>&1) &
dev=$!
wait_healthy "$dport" "$work/dev.log"
page=$(curl -fsS "http://127.0.0.1:$dport/playground/" || true)
grep -q 'data-testid="phone-call"' <<<"$page" \
  && curl -fsS -o /dev/null "http://127.0.0.1:$dport/playground/app.js" \
  || { echo "the development build does not serve /playground/" >&2; cat "$work/dev.log" >&2; exit 1; }
echo "development settings (docker compose): /playground/ serves the built page"
