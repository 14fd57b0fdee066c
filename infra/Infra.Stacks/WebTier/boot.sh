#!/bin/bash
# Boots one web-tier instance: runs the workflow service's api role in Docker.
# Its stdout carries the service's EMF metric lines: the awslogs driver sends them with the json/emf log format,
# so CloudWatch Logs extracts them as metrics (no agent needed on the instance).
# This text is user data: it holds ARNs, endpoints and names only. Secret values are read with the instance role, at
# boot and then every @@REFRESH@@ s by a systemd timer (rotation), into files only the container's user can read; the
# service re-reads them while it runs. The env file Docker passes holds names and paths, no secret.
set -euo pipefail
exec > >(tee -a /var/log/workflows-boot.log) 2>&1

REGION='@@REGION@@'
IMAGE='@@IMAGE@@'
PORT='@@PORT@@'
GRACE='@@GRACE@@'
LOG_GROUP='@@LOG_GROUP@@'
REDIS_HOST='@@REDIS_HOST@@'
REDIS_PORT='@@REDIS_PORT@@'
REDIS_SECRET='@@REDIS_SECRET@@'
CACHE_HOST='@@CACHE_HOST@@'
CACHE_SECRET='@@CACHE_SECRET@@'
ENVIRONMENT='@@ENVIRONMENT@@'
DB_HOST='@@DB_HOST@@'
DB_PORT='@@DB_PORT@@'
DB_SECRET='@@DB_SECRET@@'
API_KEY_SECRET='@@API_KEY_SECRET@@'
REFRESH='@@REFRESH@@'
STACK='@@STACK@@'
RESOURCE='@@RESOURCE@@'

signal() { /opt/aws/bin/cfn-signal -e "$1" --stack "$STACK" --resource "$RESOURCE" --region "$REGION" || true; }
trap 'signal 1' ERR

dnf install -y -q docker aws-cfn-bootstrap
systemctl enable --now docker

case "$IMAGE" in
  *.dkr.ecr.*.amazonaws.com/*)
    aws ecr get-login-password --region "$REGION" | docker login --username AWS --password-stdin "${IMAGE%%/*}" ;;
esac
docker pull -q "$IMAGE"

umask 077
mkdir -p /etc/workflows
SECRETS=/etc/workflows/secrets   # mounted read-only at /run/secrets/workflows
install -d -m 0700 -o 1654 -g 1654 "$SECRETS"   # 1654: the .NET images' "app" user
cat > /etc/workflows/secrets.env <<ENV
REGION='$REGION'
SECRETS='$SECRETS'
REDIS_SECRET='$REDIS_SECRET'
CACHE_SECRET='$CACHE_SECRET'
DB_SECRET='$DB_SECRET'
API_KEY_SECRET='$API_KEY_SECRET'
ENV
cat > /usr/local/bin/workflows-secrets <<'SCRIPT'
#!/bin/bash
# Reads the service's secrets into files, each written whole (temp file, then rename): a failed read leaves the
# last good file in place.
set -euo pipefail
. /etc/workflows/secrets.env
get() { aws secretsmanager get-secret-value --region "$REGION" --secret-id "$1" ${2:+--version-stage "$2"} --query SecretString --output text; }
put() {
  local tmp
  tmp=$(mktemp "$SECRETS/.$1.XXXXXX")
  printf '%s\n' "$2" > "$tmp"
  chown 1654:1654 "$tmp"; chmod 0400 "$tmp"
  mv -f "$tmp" "$SECRETS/$1"
}
redis=$(get "$REDIS_SECRET"); cache=$(get "$CACHE_SECRET"); db=$(get "$DB_SECRET"); key=$(get "$API_KEY_SECRET")
# The API key file holds the current key and the previous one (after a rotation): clients switch within one period.
err=$(mktemp)
if ! previous=$(get "$API_KEY_SECRET" AWSPREVIOUS 2>"$err"); then
  grep -q ResourceNotFoundException "$err" || { cat "$err" >&2; rm -f "$err"; exit 1; }
  previous=''
fi
rm -f "$err"
put redis-password "$redis"; put cache-password "$cache"; put documentdb.json "$db"
put api-keys "$key${previous:+$'\n'$previous}"
SCRIPT
chmod 0700 /usr/local/bin/workflows-secrets
/usr/local/bin/workflows-secrets   # the first read: a failure fails the boot (signal 1)
cat > /etc/systemd/system/workflows-secrets.service <<'UNIT'
[Unit]
Description=Re-read the workflow service's secrets from Secrets Manager (rotation)
[Service]
Type=oneshot
ExecStart=/usr/local/bin/workflows-secrets
UNIT
cat > /etc/systemd/system/workflows-secrets.timer <<UNIT
[Unit]
Description=Re-read the workflow service's secrets every $REFRESH s
[Timer]
OnActiveSec=${REFRESH}s
OnUnitActiveSec=${REFRESH}s
RandomizedDelaySec=15
[Install]
WantedBy=timers.target
UNIT
systemctl daemon-reload
systemctl enable --now workflows-secrets.timer

cat > /etc/workflows/env <<ENV
Workflows__Role=api
Workflows__ExecutionMode=queue
Workflows__ShutdownGraceSeconds=$GRACE
ASPNETCORE_URLS=http://+:$PORT
Redis__ConnectionString=$REDIS_HOST:$REDIS_PORT,ssl=true,abortConnect=false
Redis__PasswordFile=/run/secrets/workflows/redis-password
Cache__RedisConnectionString=$CACHE_HOST:$REDIS_PORT,ssl=true,abortConnect=false
Cache__PasswordFile=/run/secrets/workflows/cache-password
Metrics__Sink=emf
Metrics__EmfTarget=stdout
Metrics__Environment=$ENVIRONMENT
Storage__Provider=mongodb
Storage__MongoDb__ConnectionString=mongodb://$DB_HOST:$DB_PORT/?tls=true&replicaSet=rs0&retryWrites=false
Storage__MongoDb__CredentialsFile=/run/secrets/workflows/documentdb.json
Storage__MongoDb__TlsCaFile=/etc/ssl/rds/global-bundle.pem
Auth__ApiKeys__0__Name=platform
Auth__ApiKeys__0__File=/run/secrets/workflows/api-keys
Auth__ApiKeys__0__Scopes__0=read
Auth__ApiKeys__0__Scopes__1=write
ENV

docker rm -f workflows >/dev/null 2>&1 || true
docker run -d --name workflows --restart always --env-file /etc/workflows/env -p "$PORT:$PORT" \
  -v "$SECRETS:/run/secrets/workflows:ro" \
  --stop-timeout "$((GRACE + 5))" \
  --log-driver awslogs --log-opt awslogs-region="$REGION" --log-opt awslogs-group="$LOG_GROUP" --log-opt awslogs-format=json/emf \
  --log-opt awslogs-stream="$(cat /sys/devices/virtual/dmi/id/board_asset_tag 2>/dev/null || hostname)" \
  "$IMAGE"

# Tell CloudFormation this instance is healthy only once the service answers (rolling updates wait for it).
for _ in $(seq 1 60); do
  if curl -fs "http://127.0.0.1:$PORT/api/health/ready" >/dev/null; then signal 0; exit 0; fi
  sleep 5
done
echo "the service did not become ready" >&2
signal 1
exit 1
