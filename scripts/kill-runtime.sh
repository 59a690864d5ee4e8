#!/usr/bin/env bash
# Kills `jobctl up` with SIGKILL at random moments, KILLS times (default 20), restarting it after 0-4 s, while a
# CronJob every minute, a Job with parallelism 5 and a 50-item coarse work queue run; then lets everything finish and
# counts, from ledgers the tasks append to: pods run twice, scheduled runs done twice, items processed twice.
# The real `jobctl up` on the system clock: it takes about ten minutes. Usage: scripts/kill-runtime.sh [KILLS]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
kills=${1:-20}
dir=$(mktemp -d "${TMPDIR:-/tmp}/jobctl-kill-XXXXXX")
cd "$dir"
export JOBCTL_STATE_DIR="$dir/.jobctl"
J() { node "$repo/bin/jobctl.mjs" "$@"; }
cp "$repo/test/fixtures/crash/workload.yaml" all.yaml
seq -f 'item-%g' 1 50 > items.txt
J queue create items >/dev/null
J queue push items --file items.txt >/dev/null
J apply -f all.yaml 2>/dev/null
started=$(date +%s)
for i in $(seq 1 "$kills"); do
  node "$repo/bin/jobctl.mjs" up >> up.log 2>&1 &
  pid=$!
  sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.1f", 4 + rand() * 21 }')"
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true
  echo "kill $i: pid $pid after $(( $(date +%s) - started )) s" >> kills.log
  sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.1f", rand() * 4 }')"
done
node "$repo/bin/jobctl.mjs" up >> up.log 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  done=$(J get jobs -o json 2>/dev/null | node -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>{const j=JSON.parse(t);console.log(j.items.filter(x=>["par5","wq"].includes(x.metadata.name)&&x.status.conditions.some(c=>c.type==="Complete"&&c.status==="True")).length)})' || echo 0)
  [ "$done" = 2 ] && break
  sleep 2
done
sleep 25 # the CronJob run in flight finishes
kill -INT "$pid"; wait "$pid" || true
par=$(wc -l < par.ledger); queue=$(wc -l < queue.ledger); cron=$(wc -l < cron.ledger)
pods_twice=$( (cat par.ledger cron.ledger; cut -d' ' -f1 queue.ledger) | sort | uniq -d | wc -l)
items_twice=$(cut -d' ' -f2 queue.ledger | sort | uniq -d | wc -l)
runs_twice=$(sed -E 's/-[a-z0-9]{5}$//' cron.ledger | sort | uniq -d | wc -l)
echo "state: $dir"
echo "kills: $kills over $(( $(date +%s) - started )) s"
echo "par5: $par runs for completions 40; queue: $queue runs, $(cut -d' ' -f2 queue.ledger | sort -u | wc -l) of 50 items; cron: $cron runs"
echo "pods run twice: $pods_twice; items processed twice: $items_twice; scheduled runs done twice: $runs_twice"
J get jobs 2>/dev/null | head -3
grep -c "took over" up.log | sed 's/^/restarts that took over tasks: /'
