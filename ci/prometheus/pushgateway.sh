#!/bin/sh
# For hosts without node_exporter: push failmix's series to a Prometheus
# Pushgateway (run it from cron or a systemd timer like failmix-textfile.timer).
#   PUSHGATEWAY=http://pushgateway.example.org:9091 ci/prometheus/pushgateway.sh [failmix report options…]
# The grouping key is job=failmix plus this host, so each host replaces only its
# own series; agent labels come from failmix itself (fleet mode or gate --agent).
set -eu
: "${PUSHGATEWAY:?set PUSHGATEWAY to the Pushgateway URL}"
instance=${FAILMIX_INSTANCE:-$(hostname)}
failmix report --format prometheus "$@" |
  curl --fail --silent --show-error --max-time 30 --data-binary @- "$PUSHGATEWAY/metrics/job/failmix/instance/$instance"
