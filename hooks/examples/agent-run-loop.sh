#!/bin/sh
# An agent run loop that asks failmix before every session.
# Exit 1 from the gate means "paused": wait for a person (`failmix resume`).
cd /srv/agent-workspace || exit 2
while true; do
  /opt/failmix/hooks/pre-session
  case $? in
    0) gptme --non-interactive "$(cat next-task.md)" ;;   # your agent command here
    1) echo "failmix paused the agent; see 'failmix status'"; sleep 900 ;;
    *) echo "failmix could not decide, or is missing (exit 2): see its message above"; sleep 300 ;;
  esac
  sleep 60
done
