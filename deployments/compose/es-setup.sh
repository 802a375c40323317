#!/bin/bash
# One-shot setup for docker compose's Elasticsearch (security on): gives
# Kibana's built-in user its password and creates faultline's own user,
# whose role reaches faultline's indices and data streams only. Idempotent:
# it sets the same passwords again on every `docker compose up`.
set -euo pipefail

es=${ES_URL:-http://elasticsearch:9200}
for v in ELASTIC_PASSWORD KIBANA_SYSTEM_PASSWORD FAULTLINE_ES_PASSWORD; do
  if [ -z "${!v:-}" ]; then
    echo "es-setup: $v is empty; set it in .env (see .env.example)" >&2
    exit 1
  fi
done

# Passwords reach curl through a config on stdin and a body file, never on
# its command line, where ps would show them. call reads the body on stdin.
umask 077
call() {
  local method=$1 path=$2 body
  body=$(mktemp)
  cat >"$body"
  printf 'user = "elastic:%s"\n' "$ELASTIC_PASSWORD" |
    curl -fsS -K - -X "$method" "$es$path" -H 'Content-Type: application/json' --data-binary "@$body" >/dev/null
  rm -f "$body"
}

until printf 'user = "elastic:%s"\n' "$ELASTIC_PASSWORD" | curl -fsS -K - -o /dev/null "$es/_cluster/health?wait_for_status=yellow&timeout=5s"; do
  echo "es-setup: waiting for Elasticsearch" >&2
  sleep 2
done

# printf is a shell builtin: the passwords stay out of the process list.
printf '{"password":"%s"}' "$KIBANA_SYSTEM_PASSWORD" |
  call POST /_security/user/kibana_system/_password
printf '%s' '{
  "cluster": ["monitor", "manage_index_templates", "manage_ilm", "manage_slm", "create_snapshot", "manage"],
  "indices": [{"names": ["logs-faultline-*", "faultline-*"], "privileges": ["all"]}]
}' | call PUT /_security/role/faultline
printf '{"password":"%s","roles":["faultline"],"full_name":"faultline services"}' "$FAULTLINE_ES_PASSWORD" |
  call PUT /_security/user/faultline
echo "es-setup: kibana_system and faultline users ready" >&2
