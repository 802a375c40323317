#!/usr/bin/env bash
# Makes the nats-tls Secret the NATS servers and the faultline pods mount: a
# private CA and one certificate for the three servers, valid for the names
# clients (tls://nats:4222) and routes (nats-N.nats-headless:6222) use, for
# server and client authentication (routes are mutual TLS).
#
#   ./nats-tls.sh faultline-prod            # creates the Secret with kubectl
#   ./nats-tls.sh faultline-prod ./certs    # writes ca.crt, tls.crt, tls.key only
#
# The CA's key is thrown away unless a directory is given: to renew, run it
# again and restart NATS and the faultline pods. With cert-manager, use the
# Certificate in README.md ("NATS TLS") instead.
set -euo pipefail

ns=${1:?usage: nats-tls.sh NAMESPACE [DIR]}
out=${2:-}
days=${NATS_TLS_DAYS:-397}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

san="DNS:nats,DNS:nats.$ns,DNS:nats.$ns.svc,DNS:nats.$ns.svc.cluster.local"
san="$san,DNS:nats-headless,DNS:*.nats-headless,DNS:*.nats-headless.$ns,DNS:*.nats-headless.$ns.svc,DNS:*.nats-headless.$ns.svc.cluster.local"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
  -keyout ca.key -out ca.crt -days 3650 -subj "/CN=faultline NATS CA ($ns)" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
  -keyout tls.key -out tls.csr -subj "/CN=nats.$ns.svc" 2>/dev/null
cat > ext.cnf <<CNF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = $san
CNF
openssl x509 -req -sha256 -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
  -out tls.crt -days "$days" -extfile ext.cnf 2>/dev/null

if [ -n "$out" ]; then
  mkdir -p "$out"
  cp ca.crt tls.crt tls.key ca.key "$out/"
  chmod 600 "$out/tls.key" "$out/ca.key"
  echo "nats-tls.sh: wrote ca.crt, tls.crt, tls.key and ca.key to $out" >&2
  exit 0
fi
kubectl -n "$ns" create secret generic nats-tls \
  --from-file=ca.crt --from-file=tls.crt --from-file=tls.key
