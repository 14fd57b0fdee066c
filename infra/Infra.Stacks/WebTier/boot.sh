#!/bin/bash
# Boots one web-tier instance: runs the workflow service's api role in Docker.
# Its stdout carries the service's EMF metric lines: the awslogs driver sends them with the json/emf log format,
# so CloudWatch Logs extracts them as metrics (no agent needed on the instance).
# This text is user data: it holds ARNs, endpoints and names only. Secret values are read here, at boot, with the
# instance role, and written to a root-only env file that Docker passes to the container.
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
STACK='@@STACK@@'
RESOURCE='@@RESOURCE@@'

signal() { /opt/aws/bin/cfn-signal -e "$1" --stack "$STACK" --resource "$RESOURCE" --region "$REGION" || true; }
trap 'signal 1' ERR

dnf install -y -q docker jq aws-cfn-bootstrap
systemctl enable --now docker

secret() { aws secretsmanager get-secret-value --region "$REGION" --secret-id "$1" --query SecretString --output text; }

case "$IMAGE" in
  *.dkr.ecr.*.amazonaws.com/*)
    aws ecr get-login-password --region "$REGION" | docker login --username AWS --password-stdin "${IMAGE%%/*}" ;;
esac
docker pull -q "$IMAGE"

redis_token=$(secret "$REDIS_SECRET")
cache_token=$(secret "$CACHE_SECRET")
db_json=$(secret "$DB_SECRET")
db_user=$(jq -rn --arg v "$(jq -r .username <<<"$db_json")" '$v|@uri')
db_pass=$(jq -rn --arg v "$(jq -r .password <<<"$db_json")" '$v|@uri')
api_hash=$(secret "$API_KEY_SECRET" | tr -d '\n' | sha256sum | cut -d' ' -f1)

umask 077
mkdir -p /etc/workflows
cat > /etc/workflows/env <<ENV
Workflows__Role=api
Workflows__ExecutionMode=queue
Workflows__ShutdownGraceSeconds=$GRACE
ASPNETCORE_URLS=http://+:$PORT
Redis__ConnectionString=$REDIS_HOST:$REDIS_PORT,ssl=true,password=$redis_token,abortConnect=false
Cache__RedisConnectionString=$CACHE_HOST:$REDIS_PORT,ssl=true,password=$cache_token,abortConnect=false
Metrics__Sink=emf
Metrics__EmfTarget=stdout
Metrics__Environment=$ENVIRONMENT
Storage__Provider=mongodb
Storage__MongoDb__ConnectionString=mongodb://$db_user:$db_pass@$DB_HOST:$DB_PORT/?tls=true&replicaSet=rs0&retryWrites=false
Storage__MongoDb__TlsCaFile=/etc/ssl/rds/global-bundle.pem
Auth__ApiKeys__0__Name=platform
Auth__ApiKeys__0__Sha256=$api_hash
Auth__ApiKeys__0__Scopes__0=read
Auth__ApiKeys__0__Scopes__1=write
ENV

docker rm -f workflows >/dev/null 2>&1 || true
docker run -d --name workflows --restart always --env-file /etc/workflows/env -p "$PORT:$PORT" \
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
